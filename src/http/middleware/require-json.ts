// Contract §0: a request with a body must be application/json (a PATCH may
// also say application/merge-patch+json), in UTF-8. Requests without a body
// (a widget's bare POST) pass whatever their Content-Type.
import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseContentType } from 'content-type';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

// RFC 9110 §8.3.1 and §5.6: media-type = type "/" subtype *( OWS ";" OWS
// [ name "=" ( token / quoted-string ) ] ). Written so that every character has
// one place in a match (no nested choice of where a space goes), so a hostile
// header cannot make the match backtrack.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED_STRING = '"(?:[\\t !#-\\[\\]-~\\x80-\\xff]|\\\\[\\t -~\\x80-\\xff])*"';
const PARAMETER = `[ \\t]*;(?:[ \\t]*(${TOKEN})=(?:${TOKEN}|${QUOTED_STRING}))?`;
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:${PARAMETER})*[ \\t]*$`);

/** Whether every parameter name appears once; `header` already matches MEDIA_TYPE. */
function parametersUnique(header: string): boolean {
  const names = new Set<string>();
  const parameter = new RegExp(PARAMETER, 'y');
  parameter.lastIndex = header.indexOf(';');
  if (parameter.lastIndex === -1) return true;
  for (let match = parameter.exec(header); match; match = parameter.exec(header)) {
    const name = match[1]?.toLowerCase();
    if (name === undefined) continue;
    if (names.has(name)) return false;
    names.add(name);
  }
  return true;
}

/**
 * application/json in UTF-8 (RFC 8259 §8.1), read by the same parser
 * (`content-type`) the body parser uses, so the charset checked here is the one
 * the body is decoded with: a `charset=` inside a quoted parameter cannot
 * smuggle another past it. Other charsets are refused rather than decoded, or
 * the same JSON could arrive in spellings no log or filter expects. A header
 * that does not follow the grammar, or names a parameter twice, is refused
 * too: a lenient parser (ours, or a proxy's) would have to guess what it says.
 */
function isJsonType(contentType: string | undefined, method: string | undefined): boolean {
  if (contentType === undefined || !MEDIA_TYPE.test(contentType) || !parametersUnique(contentType)) return false;
  const { type, parameters } = parseContentType(contentType);
  if (type !== 'application/json' && !(type === 'application/merge-patch+json' && method === 'PATCH')) return false;
  const charset = parameters.charset;
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/** Media types express.json must parse: those isJsonType lets through. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/merge-patch+json'];

export function hasNonJsonBody(headers: IncomingHttpHeaders, method?: string): boolean {
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return hasBody && !isJsonType(headers['content-type'], method);
}

export const requireJsonBody: RequestHandler = function requireJsonBody(req, _res, next) {
  next(hasNonJsonBody(req.headers, req.method) ? new AppError('unsupported_media_type') : undefined);
};
