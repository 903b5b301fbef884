#!/usr/bin/env python3
"""Checks the Dockerfile without a Docker engine (none on the build machines).

- parses it with BuildKit's own parser (PyPI `dockerfile`, a binding of the Go parser);
- asserts the runtime contract the chart relies on: a current Node LTS bookworm-slim base,
  NODE_ENV=production, WORKDIR /app, the non-root user 10001, ENTRYPOINT ["node"];
- runs the stage's file-gathering RUN step with /bin/sh on a fake workspace tree and checks that
  it keeps package.json, dist/ and node_modules/ of each workspace and nothing else;
- checks that .dockerignore keeps host build output and dependencies out of the context.
"""
import os
import re
import subprocess
import sys
import tempfile

import dockerfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
problems = []


def expect(cond, message):
    if not cond:
        problems.append(message)


cmds = dockerfile.parse_file(os.path.join(ROOT, "Dockerfile"))
args = {c.value[0].split("=", 1)[0]: c.value[0].split("=", 1)[1] for c in cmds if c.cmd == "ARG" and "=" in c.value[0]}
stages = [i for i, c in enumerate(cmds) if c.cmd == "FROM"]
expect(len(stages) >= 2, "want a multi-stage build")
final = cmds[stages[-1]:]


def base(c):
    return re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), c.value[0])


for i in stages:
    expect(re.fullmatch(r"node:(22|24)-bookworm-slim(@sha256:[a-f0-9]{64})?", base(cmds[i])),
           "stage %s is not based on node:22/24-bookworm-slim: %s" % (" ".join(cmds[i].value), base(cmds[i])))
expect(any(c.cmd == "ENV" and "NODE_ENV" in c.value and c.value[c.value.index("NODE_ENV") + 1] == "production" for c in final),
       "runtime stage lacks ENV NODE_ENV=production")
expect(any(c.cmd == "WORKDIR" and c.value[0] == "/app" for c in final), "runtime stage lacks WORKDIR /app")
users = [c.value[0] for c in final if c.cmd == "USER"]
expect(users and users[-1].split(":")[0] == "10001", "runtime stage does not end as USER 10001: %s" % users)
entry = [c for c in final if c.cmd == "ENTRYPOINT"]
expect(entry and entry[-1].json and list(entry[-1].value) == ["node"], 'runtime ENTRYPOINT is not ["node"] (exec form)')
expect(any(c.cmd == "COPY" and any(f.startswith("--from=") for f in c.flags) for c in final),
       "runtime stage copies nothing from the build stage")
expect(not any(c.cmd == "COPY" and not any(f.startswith("--from=") for f in c.flags) for c in final),
       "runtime stage copies from the build context (only build output belongs there)")
build = cmds[:stages[-1]]
for needed in ("npm install", "npm run build", "npm prune --omit=dev"):
    expect(any(c.cmd == "RUN" and needed in c.value[0] for c in build), "build stage does not run %s" % needed)

# the gathering step, for real, on a fake tree
gather = [c.value[0] for c in build if c.cmd == "RUN" and "mkdir -p /out" in c.value[0]]
expect(len(gather) == 1, "want one RUN step that gathers the runtime files into /out")
if gather:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "app"), os.path.join(tmp, "out")
        files = ["package.json", "package-lock.json", "node_modules/express/index.js",
                 "node_modules/@helmdesk/platform",  # workspace link, made below
                 "libs/platform/package.json", "libs/platform/dist/index.js", "libs/platform/dist/cli/create-topics.js",
                 "libs/platform/src/index.ts", "libs/platform/tsconfig.tsbuildinfo",
                 "services/case/package.json", "services/case/dist/main.js", "services/case/dist/x.tsbuildinfo",
                 "services/case/node_modules/only-case/index.js", "services/case/test/a.test.ts",
                 "services/console/package.json", "services/console/dist/index.html", "libs/notes/README.md"]
        for f in files:
            if f == "node_modules/@helmdesk/platform":
                continue
            os.makedirs(os.path.dirname(os.path.join(src, f)), exist_ok=True)
            open(os.path.join(src, f), "w").close()
        os.makedirs(os.path.join(src, "node_modules/@helmdesk"), exist_ok=True)
        os.symlink("../../libs/platform", os.path.join(src, "node_modules/@helmdesk/platform"))
        script = gather[0].replace("/out", out)
        run = subprocess.run(["/bin/sh", "-c", script], cwd=src, capture_output=True, text=True)
        expect(run.returncode == 0, "gathering step failed: %s" % run.stderr.strip())
        got = set()
        for d, _, fs in os.walk(out):
            for f in fs:
                got.add(os.path.relpath(os.path.join(d, f), out))
        want = {"package.json", "package-lock.json", "node_modules/express/index.js",
                "libs/platform/package.json", "libs/platform/dist/index.js", "libs/platform/dist/cli/create-topics.js",
                "services/case/package.json", "services/case/dist/main.js", "services/case/node_modules/only-case/index.js",
                "services/console/package.json", "services/console/dist/index.html"}
        expect(got == want, "gathered files differ: missing %s, unexpected %s" % (sorted(want - got), sorted(got - want)))
        link = os.path.join(out, "node_modules/@helmdesk/platform")
        expect(os.path.islink(link) and os.readlink(link) == "../../libs/platform", "workspace link not kept as a relative symlink")

ignore = [l.strip() for l in open(os.path.join(ROOT, ".dockerignore")) if l.strip() and not l.startswith("#")]
for pattern in ("**/node_modules", "**/dist", ".git", ".helmdesk"):
    expect(pattern in ignore, ".dockerignore does not exclude %s" % pattern)

for p in problems:
    print("ERROR " + p)
print("Dockerfile: %d instructions, %d stages, %d problems" % (len(cmds), len(stages), len(problems)))
sys.exit(1 if problems else 0)
