// Developer command: docs/api.md, the API reference in the repository, from
// the OpenAPI document the service serves. test/http/openapi.test.ts fails
// when docs/api.md is not what this prints (`npx vitest run -u` rewrites it).
//
//   npx tsx scripts/api-reference.ts > docs/api.md
import { pathToFileURL } from 'node:url';
import { ERRORS, type ErrorCode } from '../src/errors.js';
import { buildOpenApi } from '../src/http/openapi.js';

const METHODS = ['get', 'post', 'patch', 'delete', 'options'] as const;

const AUTH: Record<string, string> = {
  rootKey: 'root key',
  scopedKey: 'scoped key',
  customerJwt: 'customer-signed JWT',
  sessionToken: 'session token',
};

function auth(security: Record<string, string[]>[]): string {
  if (security.length === 0) return 'none';
  return security.map((requirement) => Object.keys(requirement).map((name) => AUTH[name]).join(' + ') || 'none').join(' or ');
}

export function renderApiReference(doc: ReturnType<typeof buildOpenApi>): string {
  const lines = [
    '# latchkey HTTP API',
    '',
    '<!-- Generated from src/http/operations.ts by scripts/api-reference.ts; test/http/openapi.test.ts checks it. -->',
    '',
    `The service describes itself at \`GET /openapi.json\` (OpenAPI ${doc.openapi}, schemas included); this page lists what each operation answers.`,
    '',
    doc.info.description,
  ];
  for (const tag of doc.tags) {
    lines.push('', `## ${tag.name}`, '', tag.description);
    for (const [path, item] of Object.entries(doc.paths) as [string, Record<string, any>][]) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation?.tags.includes(tag.name)) continue;
        lines.push('', `### \`${method.toUpperCase()} ${path}\``, '', operation.summary, '');
        const body = operation.requestBody ? ` · body: \`${operation.requestBody.$ref.split('/').pop()}\`` : '';
        lines.push(`\`${operation.operationId}\` · auth: ${auth(operation.security)}${body}`, '');
        lines.push('| status | answer |', '|---|---|');
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          const codes: ErrorCode[] | undefined = response.content?.['application/json']?.schema?.allOf?.[1].properties.error.properties.code.enum;
          const answer = codes ? codes.map((code) => `\`${code}\` ${ERRORS[code].message}`).join('<br>') : response.description;
          lines.push(`| ${status} | ${answer} |`);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(renderApiReference(buildOpenApi()));
}
