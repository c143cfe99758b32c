export { orderWorkflow } from './order';
export { afterSaleWorkflow } from './after-sale';
