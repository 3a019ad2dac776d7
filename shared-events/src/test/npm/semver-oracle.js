// Generates src/test/resources/semver/npm-ranges.json, the oracle that NpmRangeSemanticsTest
// holds VersionRange to: for every range below, whether npm's own `semver` package (node-semver,
// `new Range(r)` and `satisfies(v, r)` with default options: loose=false,
// includePrerelease=false) accepts it, and which of the versions below satisfy it.
//
// Regenerate (needs Node and the npm registry; nothing here runs at test time):
//
//   cd "$(mktemp -d)" && npm install semver@7
//   node /path/to/shared-events/src/test/npm/semver-oracle.js \
//     /path/to/shared-events/src/test/resources/semver/npm-ranges.json
//
// `semver` is resolved from the current directory; the file records the exact version used
// (7.8.6 for the checked-in table). Add ranges or versions below, regenerate, and commit both.
'use strict'

const fs = require('fs')
const semver = require(require.resolve('semver', { paths: [process.cwd()] }))
const semverVersion = require(
  require.resolve('semver/package.json', { paths: [process.cwd()] })).version

// Strict semver 2.0 versions (the only kind Lockstep accepts), clustered around the
// boundaries that the ranges below draw: prereleases of the same and of other tuples,
// precedence of prerelease identifiers, build metadata, and the int-sized maximum.
const versions = [
  '0.0.0-0', '0.0.0', '0.0.1-alpha', '0.0.1', '0.0.2-0', '0.0.2', '0.0.3',
  '0.1.0-0', '0.1.0', '0.1.1', '0.1.2-rc.1', '0.1.2', '0.1.3', '0.1.9', '0.2.0-0', '0.2.0',
  '0.9.9', '1.0.0-0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-rc.1', '1.0.0',
  '1.0.1', '1.1.0', '1.1.9', '1.2.0-0', '1.2.0', '1.2.2', '1.2.3-0', '1.2.3-1', '1.2.3-2',
  '1.2.3-10', '1.2.3--', '1.2.3-alpha', '1.2.3-alpha.0', '1.2.3-alpha.1', '1.2.3-alpha.beta',
  '1.2.3-beta', '1.2.3-beta.1', '1.2.3-beta.2', '1.2.3-beta.3', '1.2.3-beta.10',
  '1.2.3-beta2', '1.2.3-beta10', '1.2.3-rc.1', '1.2.3-x', '1.2.3', '1.2.3+build.1',
  '1.2.4-0', '1.2.4-alpha', '1.2.4', '1.2.9', '1.3.0-0', '1.3.0-alpha', '1.3.0', '1.4.0',
  '1.4.9', '1.5.0-0', '1.5.0', '1.9.0', '1.9.9', '1.99.99', '2.0.0-0', '2.0.0-alpha',
  '2.0.0', '2.0.1', '2.3.4', '2.4.0', '2.4.9', '2.5.0-rc.1', '2.5.0', '3.0.0', '3.4.5-rc.1',
  '3.4.5', '3.4.6', '3.5.0-0', '3.5.0', '4.0.0', '5.0.0-beta', '5.0.0', '7.2.3', '7.2.4',
  '8.0.0', '9.9.9', '10.0.0', '15.0.0-rc.1', '15.0.0', '15.4.0', '15.99.0', '16.0.0-0',
  '16.0.0', '99.0.0', '2147483647.0.0',
]

// Every syntax form, each combined with the operands it may (or may not) take.
const prefixes = [
  '', '=', 'v', '=v', '>', '>=', '<', '<=', '~', '~>', '^',
  '= ', 'v ', '> ', '>= ', '< ', '<= ', '~ ', '~> ', '^ ',
]
const operands = [
  '*', 'x', 'X', 'x.x', 'x.x.x', '*.*', 'X.*.x', '0', '1', '2', '0.0', '0.1', '1.2', '2.4',
  '0.x', '1.x', '1.X', '1.*', '1.x.x', '1.2.x', '1.2.*', '0.0.x', '0.0.0', '0.0.1', '0.1.2',
  '1.0.0', '1.2.3', '2.0.0', '1.2.3-beta.2', '1.2.3-alpha', '0.0.1-alpha', '0.1.2-rc.1',
  '1.2.3-0', '1.2.3+build.7', '1.2.3-beta.2+build', '1.x.3', 'x.2.3', 'x.1', '1.2.x-beta',
  '01.2.3', '1.02.3', '1.2.3.4', 'a.b.c', '1.2.3-beta.01', '1.2.3-', '1.', '',
]
const hyphenFrom = [
  '1', '1.2', '1.2.3', '1.2.3-alpha', '0.0.1', 'x', '*', '1.x', 'v1.2.3', '=1.2.3', '1.2.3+b',
  '1.x.3', 'x.2', '1.2.x-beta',
]
const hyphenTo = [
  '2', '2.4', '3.4.5', '3.4.5-rc.1', '1.2.3', 'x', '*', '2.x', 'v3.4.5', '=2', '2.x.3', 'x.4',
  '3.4.x-rc.1',
]

const handPicked = [
  // from the specification of the task and npm's own documentation
  '>=15.0.0 <16.0.0', '^1.9.0', '^0.0.1', '^0.1.2', '~1', '~1.2', '^1.2.3-beta.2',
  '>1.2.3-alpha <1.2.4', '1.2 - 1.4', '1.x || >=2.5.0 || 5.0.0 - 7.2.3', '< 2',
  '>= 1.2.3 < 2', '=1.2.3', 'v1.2.3', '*', '', 'x.x.x', '||', '1.2.3 - *', '>>1',
  '1.2.3.4', '^', 'a.b.c', '~>1', '^1.2 ^1', '1.x - x', '1.0.0 - x', '^x', '~x', '>=*',
  // empty and || forms
  '|| 1.2.3', '1.2.3 ||', '1.2.3 || || 2.0.0', '|', '1.2.3 | 2.0.0', '||||', ' || ',
  '* || 1.2.3-beta.2', 'x || >=1.2.3-alpha', '>=0.0.0 || 1.2.3-beta.2',
  '<0.0.0-0 || 1.2.3-beta.2', '<0.0.0-0', '<0.0.0-0 || <0.0.0-0', '<0.0.0', '>=0.0.0',
  '* * || 1.2.3-beta.2', 'x >=0.0.0 || 1.2.3-beta.2', '* >=1.2.3-beta || 1.2.3-beta.2',
  '<0.0.0-0 * || 1.2.3-beta.2', '* || <0.0.0-0', '<0.0.0-0 || * || 1.2.3-beta.2',
  '>=0.0.0-0', '>=0.0.0 <2', '* <2', '>=1.2.3-beta * <2',
  '>=1.2.3-beta.1 <1.2.3-beta.3 || 1.3.x', '^1.2.3 <1.5.0-0', '1.2.3 1.2.4',
  '1.2.3 || 1.2.4-alpha', '>1.2.3-beta.1 <1.2.4-0', '>=1.2.3-alpha <1.2.3',
  '~1.2.3-beta.2', '^0.0.1-beta', '^0.1.2-rc.1 <0.2.0', '1.2.3-beta.2 - 1.2.3-beta.10',
  '>=1.2.3-beta2 <=1.2.3-beta10', '>=1.2.3-1 <=1.2.3-10', '>1.2.3-1', '<1.2.3-x',
  // whitespace
  '  ^1.2.3  ', '\t1.2.3\n', '>=1.2.3\t<2', '>=1.2.3\u00a0<2', '1.2.3\u00a0-\u00a02',
  '1.2.3\u0085', '>=1.2.3\u2028<2', '\ufeff1.2.3', '>=  1.2.3', '1.2.3   -   2',
  // operators written apart from their versions, and odd operators
  '~> 1.2', '~ > 1.2', '^ 1.2.3', '> = 1.2.3', '>= v1.2.3', 'v 1.2.3', '= 1.2.3',
  '=>1.2.3', '<>1', '!1.2.3', '!=1.2.3', '==1.2.3', '===1.2.3', '<<1', '~~1', '^^1', '~^1',
  '^~1', '>~1', '>^1', '~', '~>', '>', '<', '=', '>=', '<=', 'v', '>v', '>=v1', 'V1.2.3',
  '^V1', 'vv1.2.3', 'v=1.2.3', '=v1.2.3', '==v1.2.3', '= v 1.2.3',
  // hyphen ranges
  '1.2.3 - 2.3.4 - 3', '1 - 2 || 3 - 4', '- 1', '1 -', '1.2.3-2.3.4', '1.2.3 -2.3.4',
  '1.2.3- 2.3.4', '1.2.3 - 2.3.4 <2', '>1 - 2', '^1 - 2', 'x - x', '* - *', 'x - 1.2.3',
  '1.2.3+b - 2+c', '1.2 - 3.4.5-rc.1', '1.2.3-beta - 2', '1.2.3 - 2.3.x',
  // comparators over partial versions
  '>1', '>1.2', '>=1', '>=1.2', '<1', '<1.2', '<=1', '<=1.2', '<=1.2.x', '<1.x', '>x',
  '<x', '<=x', '=x', '>*', '<*', '<=*', '=*', '>=x.x.x', '<=0.x', '>0.0.x', '<1.2.x || >2',
  '1.2.x-beta', '1.2.x+build', '>=1.2.x <1.3.0-0', 'x.x.1', '*.1', '1.*.3', '1.x.3-beta',
  // build metadata
  '>=1.0.0 +b <2', '^1.2.3+build', '1.2.3+', '+build', '1.2.3+a+b', '>=1.2.3+b.c <2',
  // stripping build metadata first can leave two spaces where npm's patterns allow one
  '> +b 1.2.3', '>= +build 1.2.3 <2', '>=+b 1.2.3', '> +b +c 1.2.3', '~ +b 1.2.3',
  '^ +b 1.2.3', '1.2.3 +b - 2', '1.2.3 - +b 2', '1.2.3 +b +c - 2',
  // numbers: leading zeros, limits (npm numbers stop at 2^53 - 1)
  '2147483647.0.0', '2147483648.0.0', '<2147483648.0.0', '>=2147483648', '~2147483647',
  '^2147483647', '9007199254740991.0.0', '9007199254740992.0.0', '^9007199254740991.0.0',
  '^0.0.9007199254740991', '~9007199254740991', '>9007199254740991', '<=9007199254740991.x',
  '>=9007199254740990 <9007199254740991', '99999999999999999999', '1e3', '0x10', '-1',
  '^-1', '1.-1', '00', '0.00', '1.2.3-00', '1.2.3-0a', '1.2.3-01a',
  '>=1.2.3-9007199254740993.1 <=1.2.3-9007199254740992.2',
  // other invalid or odd input
  'Ä', '1.2.3 🙂', 'latest', 'beta', '1.2.3 beta', '>=1.2.3,<2', '1.2.3 && 2', '(1.2.3)',
  '[1.0,2.0)', '1.2.3 -', '^1.2.3 ~', '1.2.3 ^', '^ ', '~ ', '* *', 'x x', '> 1 < 2',
  '1 2', 'x.x.x.x', '1.2.3-alpha..1', '1.2.3-alpha.', '1.2.3-+b', '*-beta', 'x-beta',
  '1.x-beta', '*.*.*-beta', '1.2.*-beta.1',
  '>=1.2.3-' + 'a'.repeat(250), '>=1.2.3-' + 'a'.repeat(260), '1.' + '1'.repeat(300) + '.0',
]

const ranges = []
const seen = new Set()
const add = r => {
  if (!seen.has(r)) {
    seen.add(r)
    ranges.push(r)
  }
}
handPicked.forEach(add)
for (const p of prefixes) {
  for (const o of operands) {
    add(p + o)
  }
}
for (const f of hyphenFrom) {
  for (const t of hyphenTo) {
    add(`${f} - ${t}`)
  }
}

for (const v of versions) {
  if (semver.valid(v) !== v.replace(/\+.*/, '')) {
    throw new Error(`not a strict version: ${v}`)
  }
}

const rows = ranges.map(range => {
  let valid = true
  try {
    new semver.Range(range) // eslint-disable-line no-new
  } catch (e) {
    valid = false
  }
  const row = { range, valid }
  if (valid) {
    row.satisfiedBy = versions.filter(v => semver.satisfies(v, range))
  }
  return row
})

const lines = [
  '{',
  `  "generator": ${JSON.stringify('shared-events/src/test/npm/semver-oracle.js')},`,
  `  "semver": ${JSON.stringify(semverVersion)},`,
  '  "options": { "loose": false, "includePrerelease": false },',
  `  "versions": ${JSON.stringify(versions)},`,
  '  "ranges": [',
  rows.map(r => '    ' + JSON.stringify(r)).join(',\n'),
  '  ]',
  '}',
  '',
]
const out = lines.join('\n')
if (process.argv[2]) {
  fs.writeFileSync(process.argv[2], out)
  const valid = rows.filter(r => r.valid).length
  console.error(`${rows.length} ranges (${valid} valid) x ${versions.length} versions ` +
    `-> ${process.argv[2]} (${out.length} bytes)`)
} else {
  process.stdout.write(out)
}
