#!/usr/bin/env node
// The npm registry reachable here serves only the platform packages this machine can install (it answers 404
// for, say, @swc/core-darwin-arm64), so `npm install` cannot write their entries into package-lock.json, and
// `npm ci` then refuses the lock as out of sync. This adds an entry for each optional platform dependency that is
// missing, marked optional with the os/cpu its name states, so npm ci skips it on every other platform exactly as
// it would with a lock written on an unrestricted registry. Run after `npm install`: node tools/lock-optional-platforms.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'netbsd', 'openbsd', 'sunos', 'aix', 'wasm32'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('universal') ? 'arm64' : undefined);
  const libc = parts.includes('musl') || parts.includes('musleabihf') ? 'musl' : parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = where ? `${where}/node_modules/${dep}` : `node_modules/${dep}`;
    if (lock.packages[base] || lock.packages[`node_modules/${dep}`]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os) continue; // not a platform package: leave it to npm
    lock.packages[`node_modules/${dep}`] = {
      version: version.replace(/^[\^~=]/, ''),
      optional: true,
      os: [os],
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added++;
  }
}
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-optional-platforms: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`);
