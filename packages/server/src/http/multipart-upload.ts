import busboy from 'busboy';
import type { RequestHandler, Response } from 'express';
import Upload from 'graphql-upload/Upload.mjs';
import { ErrorCode, errorMessages } from '@bam/shared';
import { DomainError } from '../common/domain-error.js';

/** A file of a GraphQL multipart request, held in memory only. */
export interface UploadedFile {
  filename: string;
  mimetype: string;
  content: Buffer;
}

/**
 * GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec) with
 * at most one file, kept in memory: a PFX must never reach the disk unencrypted, and graphql-upload's
 * own processor buffers files in temporary files. The file size limit applies while the file streams
 * in; an oversized file becomes a PFX_TOO_LARGE error of the mutation, as does any other upload problem.
 * The `Upload` scalar of graphql-upload resolves to an {@link UploadedFile}.
 */
export function multipartUpload({ maxFileBytes }: { maxFileBytes: number }): RequestHandler {
  return (request, response, next) => {
    if (!request.is('multipart/form-data')) return next();

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        defParamCharset: 'utf8',
        // busboy's `limit` fires when a file reaches `fileSize` bytes, not when it exceeds it: one
        // byte more lets a file of exactly maxFileBytes through, as the console's check does.
        limits: { fields: 2, files: 1, fileSize: maxFileBytes + 1, fieldSize: 1024 * 1024 },
      });
    } catch {
      return refuse(response);
    }
    let operations: Record<string, unknown> | undefined;
    let uploads: Map<string, Upload> | undefined;
    let answered = false;

    const fail = () => {
      for (const upload of uploads?.values() ?? []) upload.reject(new DomainError(ErrorCode.UPLOAD_INVALID));
      if (!answered) {
        answered = true;
        refuse(response);
      }
      request.unpipe(parser);
      request.resume();
    };

    parser.on('field', (name, value, { valueTruncated }) => {
      if (valueTruncated) return fail();
      if (name === 'operations') {
        operations = parseJsonObject(value);
        if (!operations) fail();
        return;
      }
      if (name !== 'map' || !operations) return fail();
      const map = parseJsonObject(value);
      const entries = map ? Object.entries(map) : [];
      // One file per request: a PFX update or import never needs more.
      if (!map || entries.length > 1) return fail();
      uploads = new Map();
      for (const [fileField, paths] of entries) {
        const upload = new Upload();
        uploads.set(fileField, upload);
        if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string' && setAtPath(operations!, path, upload))) return fail();
      }
      request.body = operations;
      answered = true;
      // Execution starts now; resolvers wait for the file itself.
      next();
    });

    parser.on('file', (name, stream, info) => {
      const upload = uploads?.get(name);
      if (!upload) {
        stream.resume();
        return fail();
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        chunks.length = 0;
        upload.reject(new DomainError(ErrorCode.PFX_TOO_LARGE));
        stream.resume();
      });
      // A body that ends before its closing boundary errors the file's stream as well as the parser;
      // an error event nobody hears would end the process.
      stream.on('error', () => upload.reject(new DomainError(ErrorCode.UPLOAD_INVALID)));
      stream.on('end', () => {
        if (stream.truncated) return;
        upload.resolve({
          filename: info.filename ?? 'upload.pfx',
          mimetype: info.mimeType ?? 'application/octet-stream',
          content: Buffer.concat(chunks),
        } satisfies UploadedFile as never);
      });
    });

    parser.on('filesLimit', fail);
    parser.on('close', () => {
      // A file the map promised but the request never carried.
      for (const upload of uploads?.values() ?? []) if (!upload.file) upload.reject(new DomainError(ErrorCode.UPLOAD_INVALID));
      if (!answered) fail();
    });
    parser.on('error', fail);
    request.on('error', fail);
    request.pipe(parser);
  };
}

function refuse(response: Response): void {
  response.status(400).json({
    errors: [{ message: errorMessages[ErrorCode.UPLOAD_INVALID], extensions: { code: ErrorCode.UPLOAD_INVALID } }],
  });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Sets `variables.input.pfx.file`-style paths inside the operation; only existing objects, no prototype keys. */
function setAtPath(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let container: unknown = target;
  for (const [index, key] of keys.entries()) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return false;
    if (container === null || typeof container !== 'object') return false;
    const record = container as Record<string, unknown>;
    if (index === keys.length - 1) {
      if (!Object.hasOwn(record, key)) return false;
      record[key] = value;
      return true;
    }
    container = record[key];
  }
  return false;
}
