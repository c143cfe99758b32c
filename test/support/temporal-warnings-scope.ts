/** Jest setup after the framework (every test file): a test's expected Temporal warnings end with the test. */
import { closeTestExpectations } from './temporal-warnings';

afterEach(closeTestExpectations);
