import { Role } from '../common/actor.js';

/** Accounts `DEMO_DATA=true` creates on first start, one per role. The README lists them; never use them in production. */
export const demoAccounts: readonly { username: string; password: string; role: Role }[] = [
  { username: 'admin', password: 'demo-admin-password', role: Role.ADMINISTRATOR },
  { username: 'operator', password: 'demo-operator-password', role: Role.OPERATOR },
  { username: 'viewer', password: 'demo-viewer-password', role: Role.VIEWER },
];
