import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', databaseUrl: undefined, logLevel: 'info', demoData: false });
    expect(config.dataDir).toBe(path.resolve('.data'));
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://bam@db:5432/bam',
      DATA_DIR: '/var/lib/bam',
      LOG_LEVEL: 'debug',
      DATABASE_POOL_SIZE: '4',
      DEMO_DATA: 'true',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://bam@db:5432/bam',
      dataDir: '/var/lib/bam',
      logLevel: 'debug',
      databasePoolSize: 4,
      demoData: true,
    });
  });

  it('reads the allowed origins, refusing anything that is not an origin', () => {
    expect(loadConfig({}).allowedOrigins).toEqual([]);
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://admin.example.com, http://localhost:5173' }).allowedOrigins).toEqual([
      'https://admin.example.com',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://admin.example.com/console' })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: '*' })).toThrow(/ALLOWED_ORIGINS/);
  });

  it('reads which reverse proxies are trusted, as Express takes it, refusing what is not an address', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    for (const value of ['proxy.example.com', '10.0.0.0/33', 'yes']) expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  it('refuses a setting that is set but empty where its absence changes what the server does, naming it and the default', () => {
    // An env file's `DATABASE_URL=` must not quietly start a production server on the embedded database.
    const refused = {
      DATABASE_URL: 'the embedded database',
      DATA_DIR: '.data',
      MASTER_KEY: 'the master key file',
      MASTER_KEY_FILE: 'DATA_DIR/master.key',
      ENTRA_AUTHORITY_HOST: "Microsoft's endpoint",
      ENTRA_GRAPH_BASE_URL: "Microsoft's endpoint",
      ENTRA_US_GOV_AUTHORITY_HOST: "Microsoft's endpoint",
      ENTRA_US_GOV_GRAPH_BASE_URL: "Microsoft's endpoint",
      ENTRA_CHINA_AUTHORITY_HOST: "Microsoft's endpoint",
      ENTRA_CHINA_GRAPH_BASE_URL: "Microsoft's endpoint",
      ENTRA_CA_FILE: 'the system',
      ALLOWED_ORIGINS: 'pages served by this server',
      INITIAL_ADMIN_USERNAME: 'one-time password',
      INITIAL_ADMIN_PASSWORD: 'one-time password',
    };
    for (const [setting, fallback] of Object.entries(refused)) {
      for (const empty of ['', '  ']) {
        let message = '';
        try {
          loadConfig({ [setting]: empty });
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message, setting).toContain(`${setting}: is set but empty; remove it to use`);
        expect(message, setting).toContain(fallback);
        // One problem per setting: an empty INITIAL_ADMIN_* is not also reported as missing its pair.
        expect(message, setting).not.toContain('set both');
      }
    }
  });

  it('keeps the default for an empty setting whose default changes nothing material', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '', MASTER_KEY_PREVIOUS: '', PFX_PASSWORD: '', WEB_DIST_DIR: '' })).toMatchObject({
      port: 4000,
      logLevel: 'info',
      masterKey: { previous: [] },
      pfxPassword: '',
    });
  });

  it('names every invalid setting', () => {
    expect(() => loadConfig({ PORT: '70000', DEMO_DATA: 'maybe', DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: '70000', DEMO_DATA: 'maybe', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      const message = (error as Error).message;
      for (const setting of ['PORT', 'DEMO_DATA', 'DATABASE_URL']) expect(message).toContain(`${setting}:`);
    }
  });

  it('names a malformed database URL without printing it, password included', () => {
    for (const url of ['postgres://bam:S3cretPW@127.0.0.1:notaport/x', 'postgres://bam:S3cret%PW@127.0.0.1/x', 'postgres://bam:S3cretPW@[::1/x']) {
      expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/DATABASE_URL: must be a valid postgres:\/\/ URL/);
      expect(() => loadConfig({ DATABASE_URL: url })).not.toThrow(/S3cret/);
    }
    expect(loadConfig({ DATABASE_URL: 'postgresql://bam:p%40ss@db.internal:6432/bam?sslmode=require' }).databaseUrl).toBeDefined();
  });

  it('refuses an initial administrator password without its username, and the reverse', () => {
    expect(() => loadConfig({ INITIAL_ADMIN_PASSWORD: 'my-chosen-admin-password' })).toThrow(/INITIAL_ADMIN_USERNAME: .*set both/);
    expect(() => loadConfig({ INITIAL_ADMIN_USERNAME: 'root' })).toThrow(/INITIAL_ADMIN_PASSWORD: .*set both/);
    expect(() => loadConfig({ INITIAL_ADMIN_PASSWORD: 'my-chosen-admin-password' })).not.toThrow(/my-chosen/);
  });

  it('names an invalid master key without ever printing it', () => {
    const notAKey = 'c2hvcnQta2V5LXNlY3JldA==';
    expect(() => loadConfig({ MASTER_KEY: notAKey })).toThrow(/MASTER_KEY: must be 32 random bytes/);
    try {
      loadConfig({ MASTER_KEY: notAKey, MASTER_KEY_PREVIOUS: `${notAKey},also-wrong` });
    } catch (error) {
      expect((error as Error).message).not.toContain(notAKey);
      expect((error as Error).message).toContain('MASTER_KEY_PREVIOUS');
    }
  });

  it('accepts only canonical base64 of 32 bytes as a master key, never a passphrase the decoder would skip through', () => {
    // Node's base64 decoder skips what is not base64: these decode to exactly 32 bytes.
    const passphrase = 'correct horse battery staple; correct horse batter';
    const key = Buffer.alloc(32, 7);
    for (const notAKey of [passphrase, key.toString('base64url'), key.toString('base64').replace(/=+$/, ''), `${key.toString('base64')}AA==`]) {
      for (const setting of ['MASTER_KEY', 'MASTER_KEY_PREVIOUS']) {
        expect(() => loadConfig({ [setting]: notAKey }), `${setting}=${notAKey}`).toThrow(new RegExp(`${setting}(\\.0)?: must be 32 random bytes`));
        expect(() => loadConfig({ [setting]: notAKey })).not.toThrow(notAKey);
      }
    }
    // Surrounding white space, as a secret file mounted into the environment may bring, is no part of the key.
    expect(loadConfig({ MASTER_KEY: ` ${key.toString('base64')}\n` }).masterKey.current).toEqual(key);
  });

  it('reads the PFX size limit and the master key settings', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({ PFX_MAX_BYTES: '2048', MASTER_KEY: key, MASTER_KEY_PREVIOUS: key, DATA_DIR: '/srv/bam' });
    expect(config.pfxMaxBytes).toBe(2048);
    expect(config.masterKey).toEqual({
      current: Buffer.alloc(32, 7),
      previous: [Buffer.alloc(32, 7)],
      file: '/srv/bam/master.key',
      fileSetting: 'DATA_DIR',
    });
  });

  it('reads the sign-in settings, with documented defaults, and names a short initial password without printing it', () => {
    expect(loadConfig({}).auth).toEqual({
      sessionIdleTimeoutSeconds: 1800,
      sessionAbsoluteTimeoutSeconds: 43200,
      initialAdmin: undefined,
      maxFailuresPerUsername: 5,
      maxFailuresPerIp: 20,
      throttleSeconds: 900,
    });
    const config = loadConfig({ INITIAL_ADMIN_USERNAME: 'root', INITIAL_ADMIN_PASSWORD: 'a-long-password', SESSION_IDLE_TIMEOUT_SECONDS: '60' });
    expect(config.auth).toMatchObject({ initialAdmin: { username: 'root', password: 'a-long-password' }, sessionIdleTimeoutSeconds: 60 });
    expect(() => loadConfig({ INITIAL_ADMIN_PASSWORD: 'short-pw' })).toThrow(/INITIAL_ADMIN_PASSWORD/);
    expect(() => loadConfig({ INITIAL_ADMIN_PASSWORD: 'short-pw' })).not.toThrow(/short-pw/);
  });

  it('reads the expiry monitor settings, most distant warning first, and names invalid ones', () => {
    expect(loadConfig({}).expiry).toEqual({ warningDays: [30, 7, 1], checkIntervalSeconds: 3600 });
    expect(loadConfig({ EXPIRY_WARNING_DAYS: '1, 14,60', EXPIRY_CHECK_INTERVAL_SECONDS: '0' }).expiry).toEqual({
      warningDays: [60, 14, 1],
      checkIntervalSeconds: 0,
    });
    for (const warningDays of ['30,,7', '30,7,7', '0', '-1', 'thirty', '1.5', '3651'])
      expect(() => loadConfig({ EXPIRY_WARNING_DAYS: warningDays }), warningDays).toThrow(/EXPIRY_WARNING_DAYS/);
    for (const interval of ['-1', '86401', 'hourly'])
      expect(() => loadConfig({ EXPIRY_CHECK_INTERVAL_SECONDS: interval })).toThrow(/EXPIRY_CHECK_INTERVAL_SECONDS/);
  });

  it('reads how often a running server looks for rotations whose lease ran out, and names an invalid value', () => {
    expect(loadConfig({}).entra.rotationSweepSeconds).toBe(30);
    expect(loadConfig({ ENTRA_ROTATION_SWEEP_SECONDS: '5' }).entra.rotationSweepSeconds).toBe(5);
    for (const interval of ['0', '3601', '1.5', 'often'])
      expect(() => loadConfig({ ENTRA_ROTATION_SWEEP_SECONDS: interval }), interval).toThrow(/ENTRA_ROTATION_SWEEP_SECONDS/);
  });
});
