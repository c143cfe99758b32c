/**
 * The API's contract, checked on every answer the end-to-end tests receive: an answer on a documented operation must
 * have a documented status, media type and body (validated with Ajv against the OpenAPI 3.1 document's schemas).
 * Answers on paths or methods the document does not describe (405s, 404s of unknown routes) are not checked here.
 * Every webhook event a test receiver verifies is held to the document's `webhooks` section the same way.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { buildOpenApiDocument } from '../../api/openapi/document';

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> };

const document = buildOpenApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: false });
const validators = new Map<object, ValidateFunction>();

const routes = Object.entries(document.paths ?? {}).map(([template, item]) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  item: item as Record<string, Operation>,
}));

function validatorFor(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    // The components travel with each schema, so its #/components/... references resolve.
    validate = ajv.compile({ ...schema, components: document.components });
    validators.set(schema, validate);
  }
  return validate;
}

/** Throws when an answer to a documented operation is not what the document says. */
export function assertMatchesContract(method: string, path: string, answer: { status: number; contentType: string; body: unknown }): void {
  const pathname = path.split('?')[0].replace(/(.)\/$/, '$1');
  const route = routes.find((candidate) => candidate.pattern.test(pathname));
  const operation = route?.item[method.toLowerCase()];
  if (!route || !operation) return;
  const where = `${method} ${path} -> ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  const response = operation.responses?.[String(answer.status)];
  if (!response) throw new Error(`contract: ${method} ${route.template} does not document status ${answer.status}: ${where}`);
  if (!response.content) return;
  const mediaType = answer.contentType.split(';')[0].trim();
  const content = response.content[mediaType];
  if (!content) throw new Error(`contract: ${method} ${route.template} ${answer.status} is not documented as ${mediaType}: ${where}`);
  if (!content.schema) return;
  const validate = validatorFor(content.schema);
  if (!validate(answer.body)) throw new Error(`contract: ${where} does not match: ${ajv.errorsText(validate.errors)}`);
}

type WebhookItem = { post?: { requestBody?: { content?: Record<string, { schema?: object }> } } };

/** Throws when a delivered event's body is not what the document's `webhooks` section says of its type. */
export function assertEventMatchesContract(event: { type: string }): void {
  const schema = (document.webhooks?.[event.type] as WebhookItem | undefined)?.post?.requestBody?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`contract: the document describes no webhook event ${event.type}`);
  const validate = validatorFor(schema);
  if (!validate(event)) throw new Error(`contract: event ${JSON.stringify(event).slice(0, 300)} does not match: ${ajv.errorsText(validate.errors)}`);
}
