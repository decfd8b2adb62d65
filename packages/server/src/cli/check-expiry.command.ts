import type { CommandContext } from './command.js';
import { withApp } from './with-app.js';

/** `check-expiry`: the expiry monitor's check, now. */
export async function run(context: CommandContext): Promise<void> {
  await withApp(context, async ({ services }) => {
    const outcome = await services.expiryMonitor.checkNow();
    if (outcome.ran) console.log(`Expiry check as of ${outcome.asOf.toISOString()}: ${outcome.noticesRaised} notice(s) raised.`);
  });
}
