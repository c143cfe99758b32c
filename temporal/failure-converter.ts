import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces move into an encoded payload (sealed by the codec), since a failure can name a
 * decline reason or an order detail. Loaded by path (DataConverter.failureConverterPath) so the workflow bundle
 * gets it too.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
