import { adminCreate } from './admin-create-command';

/** `npm run admin:create -- --email a@b.c [--name N] [--password P]` (see admin-create-command.ts). */
adminCreate(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`admin:create: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
