import { z } from 'zod';
import { ConfigError, databaseConfig, kafkaConfig, loadConfig, portFromEnv } from '@helmdesk/platform';

const schema = z.object({ ...databaseConfig, ...kafkaConfig, PORT: portFromEnv.default(8082) });

describe('service configuration', () => {
  it('turns prepared statements off with DATABASE_PREPARED_STATEMENTS=false, and refuses a value that is not a boolean', () => {
    const base = { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'k:9092' };
    expect(loadConfig(schema, { ...base, DATABASE_PREPARED_STATEMENTS: 'false' }).DATABASE_PREPARED_STATEMENTS).toBe(false);
    expect(() => loadConfig(schema, { ...base, DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DATABASE_PREPARED_STATEMENTS/);
  });

  it('parses a valid environment and applies defaults', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.2:9092',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      DATABASE_POOL_MAX: 10,
      DATABASE_PREPARED_STATEMENTS: true,
      KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.2:9092'],
      KAFKA_TOPIC_PREFIX: '',
      PORT: 8082,
    });
  });

  it('names a missing variable', () => {
    expect(() => loadConfig(schema, { KAFKA_BROKERS: 'k:9092' })).toThrow(
      new ConfigError([{ variable: 'DATABASE_URL', message: 'is required' }]),
    );
  });

  it('names a variable with a bad value, and only that one', () => {
    try {
      loadConfig(schema, { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'k:9092', PORT: '70000' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.variable)).toEqual(['PORT']);
      expect((err as Error).message).toMatch(/^invalid configuration: PORT: /);
    }
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'k:9092', PORT: '' });
    expect(config.PORT).toBe(8082);
  });

  it('refuses a database URL of another scheme', () => {
    expect(() => loadConfig(schema, { DATABASE_URL: 'mysql://h/db', KAFKA_BROKERS: 'k:9092' })).toThrow(/DATABASE_URL/);
  });
});

describe('service configuration messages', () => {
  it('says what is wrong with a value that is present, rather than calling it missing', () => {
    expect(() => loadConfig(schema, { DATABASE_URL: 'not a url', KAFKA_BROKERS: 'k:9092' })).toThrow(
      /DATABASE_URL: (?!is required)/,
    );
  });
});
