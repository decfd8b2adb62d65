import { postLoad, post } from '../load.js';
import { alternate, median, processCpuMs, processRssBytes, sampleRss } from '../measure.js';
import { organizationsWithApplications } from '../queries.js';
import { type BenchContext, type BenchRow, ratioRow, valueRow } from '../row.js';
import { type RunningProcess, startBaselineServer } from '../servers.js';

interface ReadPage {
  data: { organizations: { totalCount: number; edges: { node: { backupApplications: unknown[] } }[] } };
}

/**
 * The console's read over real HTTP, project against the node:http + graphql-js baseline on the same
 * database: throughput, and server CPU per request (from /proc, so the load generator's own CPU
 * is not counted). Also the project server's memory under this load.
 */
export async function readRows({ sizes, databaseUrl, server }: BenchContext): Promise<BenchRow[]> {
  const body = JSON.stringify({ query: organizationsWithApplications, variables: { first: sizes.pageSize } });
  const baseline = await startBaselineServer(databaseUrl);
  try {
    const [projectPage, baselinePage] = await Promise.all(
      [server, baseline].map(async (target) => JSON.parse(await post(`${target.url}/graphql`, body)) as ReadPage),
    );
    const applications = (page: ReadPage) => page.data.organizations.edges.flatMap((edge) => edge.node.backupApplications).length;
    // Both must do the same work: the same page with the same applications.
    if (
      applications(projectPage!) !== applications(baselinePage!) ||
      projectPage!.data.organizations.totalCount !== baselinePage!.data.organizations.totalCount
    )
      throw new Error('the project and the baseline answered the read differently');

    const rssAfterStart = processRssBytes(server.pid);
    const rss = sampleRss(server.pid);
    const cpu = { project: [] as number[], baseline: [] as number[] };
    const throughput = (target: RunningProcess, into: number[]) => async () => {
      const cpuBefore = processCpuMs(target.pid);
      const { requests, elapsedMs } = await postLoad(`${target.url}/graphql`, body, { durationMs: sizes.loadMs, concurrency: sizes.concurrency });
      into.push((processCpuMs(target.pid) - cpuBefore) / requests);
      return requests / (elapsedMs / 1000);
    };
    // Warm-up: JIT, connection pools, document caches.
    await throughput(server, [])();
    await throughput(baseline, [])();
    const result = await alternate(sizes.rounds, throughput(server, cpu.project), throughput(baseline, cpu.baseline));
    const rssUnderLoad = rss.stop();

    const shape = `organizations(first:${sizes.pageSize}), ${applications(projectPage!)} applications, ${sizes.concurrency} concurrent`;
    return [
      ratioRow('read: throughput', 'req/s', result, { higherIsBetter: true, limit: 0.9 }, shape),
      ratioRow('read: server CPU per request', 'ms', { project: median(cpu.project), baseline: median(cpu.baseline) }, undefined, shape),
      valueRow('memory: RSS after start, PostgreSQL', 'MB', rssAfterStart / 2 ** 20),
      valueRow('memory: RSS under read load, PostgreSQL', 'MB', rssUnderLoad / 2 ** 20),
    ];
  } finally {
    await baseline.stop();
  }
}
