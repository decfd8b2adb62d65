import fs from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { ErrorCode } from '@bam/shared';
import { CertificateSource } from '../certificates/certificate.entity.js';
import { systemActor } from '../common/actor.js';
import { DomainError } from '../common/domain-error.js';
import type { CommandContext } from './command.js';
import { withApp } from './with-app.js';

/** `import-certificate <file.pfx>`: the PFX file, into the certificate store. */
export async function run(context: CommandContext): Promise<void> {
  const [filePath] = context.positionals;
  if (!filePath) throw new Error('import-certificate needs the path of a PFX file.');
  const file = await readPfxFile(filePath, context.config.pfxMaxBytes);
  const password = context.flags['password-stdin'] ? ((await text(process.stdin)).split(/\r?\n/)[0] ?? '') : context.config.pfxPassword;
  await withApp(context, async ({ services }) => {
    const { certificate, chain } = await services.certificateStore.importPfx(
      file,
      password,
      { keyExportable: !context.flags['non-exportable'], source: CertificateSource.COMMAND_LINE },
      systemActor,
    );
    console.log(
      `Imported ${certificate.subject} (thumbprint ${certificate.thumbprint}, expires ${certificate.notAfter.toISOString()})` +
        (chain.length > 0 ? ` with ${chain.length} chain certificate(s).` : '.'),
    );
  });
}

/**
 * The file's bytes, refused as PFX_TOO_LARGE by its size before anything is read, as uploads are cut off at
 * PFX_MAX_BYTES: a large file (a disk image chosen by mistake) is never read into memory.
 */
async function readPfxFile(filePath: string, maxBytes: number): Promise<Buffer> {
  const handle = await fs.open(filePath, 'r');
  try {
    if ((await handle.stat()).size > maxBytes) throw new DomainError(ErrorCode.PFX_TOO_LARGE);
    const file = await handle.readFile();
    // Grown since: refused all the same.
    if (file.length > maxBytes) throw new DomainError(ErrorCode.PFX_TOO_LARGE);
    return file;
  } finally {
    await handle.close();
  }
}
