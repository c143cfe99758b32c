/** The payment stand-in's keys in tests: the service's merchant account (PAYMENTS_API_KEY of every test) and another. */
export const TEST_PAYMENTS_API_KEY = 'sk_test_order_saga_service_0123456789';
export const OTHER_MERCHANT_API_KEY = 'sk_test_another_merchant_0123456789';
/** PAYMENTS_WEBHOOK_SECRET of the tests: the stand-in signs its events with it, the API verifies them. */
export const TEST_PAYMENTS_WEBHOOK_SECRET = `whsec_${Buffer.from('test-payments-webhook-secret-0123').toString('base64')}`;
