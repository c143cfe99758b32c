import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 gives each schema its methods when it is built, so `.openapi()` (which the OpenAPI generator calls on
// request parameters) exists only on schemas built after this ran: modules that define API schemas import this first.
extendZodWithOpenApi(z);
