// `node --test test/e2e-browser/` only picks files named like tests; the test itself lives in
// console.e2e.mjs (which `node --test test/e2e-browser/console.e2e.mjs` also runs directly).
import './console.e2e.mjs';
