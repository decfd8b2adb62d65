import fs from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { CertificateSource } from '../certificates/certificate.entity.js';
import { systemActor } from '../common/actor.js';
import type { Command } from './command.js';
import { withApp } from './with-app.js';

export const importCertificateCommand: Command = {
  name: 'import-certificate',
  usage: `  import-certificate <file.pfx>  Import a PFX file into the certificate store of this server.
      --non-exportable           Mark the private key not exportable (applications cannot use it).
      --password-stdin           Read the PFX password from the first line of standard input;
                                 otherwise it is read from the PFX_PASSWORD environment variable
                                 (never pass a password as an argument: other users can see those).`,
  flags: ['non-exportable', 'password-stdin'],
  async run(context) {
    const [filePath] = context.positionals;
    if (!filePath) throw new Error('import-certificate needs the path of a PFX file.');
    const file = await fs.readFile(filePath);
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
  },
};
