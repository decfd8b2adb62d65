import type { Command } from './command.js';
import { withApp } from './with-app.js';

export const checkExpiryCommand: Command = {
  name: 'check-expiry',
  usage: `  check-expiry                   Run the expiry monitor's check now (after one another instance is
                                 running), e.g. from cron on instances with EXPIRY_CHECK_INTERVAL_SECONDS=0.`,
  async run(context) {
    await withApp(context, async ({ services }) => {
      const outcome = await services.expiryMonitor.checkNow();
      if (outcome.ran) console.log(`Expiry check as of ${outcome.asOf.toISOString()}: ${outcome.noticesRaised} notice(s) raised.`);
    });
  },
};
