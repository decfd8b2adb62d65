import type { Command } from './command.js';

/** Operator commands: their words here, their work one per file in `cli/`. */
export const commands: readonly Command[] = [
  {
    name: 'load-demo-data',
    usage:
      '  load-demo-data                 Load the demo organizations, if the database has none. They are NOT connected to\n' +
      '                                 Microsoft Entra: certificate updates change only this server. `start:demo` loads\n' +
      '                                 them connected to its Entra emulator instead.',
    load: () => import('./load-demo-data.command.js'),
  },
  {
    name: 'import-certificate',
    usage: `  import-certificate <file.pfx>  Import a PFX file into the certificate store of this server.
      --non-exportable           Mark the private key not exportable (applications cannot use it).
      --password-stdin           Read the PFX password from the first line of standard input;
                                 otherwise it is read from the PFX_PASSWORD environment variable
                                 (never pass a password as an argument: other users can see those).`,
    flags: ['non-exportable', 'password-stdin'],
    load: () => import('./import-certificate.command.js'),
  },
  {
    name: 'rotate-master-key',
    usage: `  rotate-master-key              Replace the master key file with a new key and re-encrypt every
                                 private key and webhook secret under it. Back up the new key file afterwards.`,
    load: () => import('./rotate-master-key.command.js'),
  },
  {
    name: 'check-expiry',
    usage: `  check-expiry                   Run the expiry monitor's check now (after one another instance is
                                 running), e.g. from cron on instances with EXPIRY_CHECK_INTERVAL_SECONDS=0.`,
    load: () => import('./check-expiry.command.js'),
  },
  {
    name: 'reset-password',
    usage: `  reset-password <username>      Give the account a new one-time password (shown once) that it must change at
                                 its next sign-in, and end its sessions and open sockets (on every instance).
      --enable                   Also enable the account if it is disabled (otherwise a disabled account is refused).`,
    flags: ['enable'],
    load: () => import('./reset-password.command.js'),
  },
];
