#!/usr/bin/env node
// Runs the project's tools/lock-optional-platforms.js on bench/package-lock.json (see docs/design.md, "The lock
// file and this registry"): without it `npm ci` refuses the bench's lock, which lacks @swc/core's other-platform
// entries. The tool finds the lock at <its directory>/../package-lock.json, so it is run here with this script's
// directory (bench/scripts) in place of its own. Run after `npm install` in bench/: npm run lock:platforms
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const tool = path.join(__dirname, '..', '..', 'tools', 'lock-optional-platforms.js');
const source = fs.readFileSync(tool, 'utf8').replace(/^#!.*\n/, '');
vm.runInThisContext(`(function (require, __dirname) {\n${source}\n})`, { filename: tool })(require, __dirname);
