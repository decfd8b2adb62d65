import { postLoad } from '../load.js';
import { processRssBytes, sampleRss } from '../measure.js';
import { organizationsWithApplications } from '../queries.js';
import { type BenchContext, type BenchRow, valueRow } from '../row.js';
import { startProjectServer } from '../servers.js';

/** The server's memory on the embedded database (which lives in its process), with the demo data. */
export async function embeddedMemoryRows({ sizes }: BenchContext): Promise<BenchRow[]> {
  const server = await startProjectServer({ environment: { DEMO_DATA: 'true' } });
  try {
    const afterStart = processRssBytes(server.pid);
    const rss = sampleRss(server.pid);
    const body = JSON.stringify({ query: organizationsWithApplications, variables: { first: sizes.pageSize } });
    await postLoad(`${server.url}/graphql`, body, { durationMs: sizes.loadMs, concurrency: sizes.concurrency });
    const underLoad = rss.stop();
    return [
      valueRow('memory: RSS after start, embedded', 'MB', afterStart / 2 ** 20, undefined, 'demo data'),
      valueRow('memory: RSS under read load, embedded', 'MB', underLoad / 2 ** 20),
    ];
  } finally {
    await server.stop();
  }
}
