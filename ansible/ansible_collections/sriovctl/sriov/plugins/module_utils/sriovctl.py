# -*- coding: utf-8 -*-
# Copyright (c) 2026 sriovctl developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the installed sriovctl and read its JSON (docs/json-schema.md in the sriovctl repository).

Everything SR-IOV (planning, refusals, rollback, findings) happens in sriovctl. This file only
builds argument lists, runs the binary without a shell, checks the JSON schema version and turns
the tool's stderr ("Error: ..." then an optional "hint: ...") into Ansible's msg and hint.

A module result carrying a nonzero `rc` counts as failed even from exit_json (ansible-core's
task_executor: "rc is here for backwards compatibility and modules that use it instead of
'failed'"), so the modules call exit_json only after sriovctl exited 0.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.locale import get_best_parsable_locale

# The JSON schema versions these modules understand. sriovctl only adds keys within a version
# (docs/json-schema.md: "keys are only ever added, never renamed or removed"), so a newer
# sriovctl printing schema_version 1 is fine; any other version is refused.
KNOWN_SCHEMA_VERSIONS = (1,)

# Options every module takes (documented in doc_fragments/sriovctl.py).
COMMON_ARGUMENT_SPEC = dict(
    root=dict(type='path'),
    binary=dict(type='path'),
)


class Sriovctl(object):
    """One sriovctl binary on the managed host, with the module's root."""

    def __init__(self, module):
        self.module = module
        binary = module.params.get('binary')
        if binary:
            if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                module.fail_json(msg='binary %s is not an executable file' % binary)
            self.binary = binary
        else:
            # PATH, then /sbin, /usr/sbin, /usr/local/sbin (get_bin_path's defaults); fails the
            # module with "Failed to find required executable" when absent.
            self.binary = module.get_bin_path('sriovctl', required=True)
        self.root = module.params.get('root')

    def argv(self, args):
        # Global options before the subcommand (USAGE: sriovctl [--root <dir>] [--json] <subcommand>),
        # so that a '--' among the subcommand's arguments cannot swallow them.
        argv = [self.binary]
        if self.root:
            argv += ['--root', self.root]
        return argv + ['--json'] + list(args)

    def run(self, args):
        """Run `sriovctl [--root R] --json ARGS`; return a Run (never raises, never fails the module)."""
        argv = self.argv(args)
        # A parsable locale keeps errno texts in English, as ansible.builtin modules do.
        locale = get_best_parsable_locale(self.module)
        environ = dict(LANG=locale, LC_ALL=locale, LC_MESSAGES=locale)
        rc, out, err = self.module.run_command(argv, environ_update=environ)
        return Run(argv, rc, out, err)

    def version(self):
        rc, out, err = self.module.run_command([self.binary, '--version'])
        return out.strip() if rc == 0 and out.strip() else 'unknown version'

    def document(self, run):
        """The JSON document of `run`, schema-checked; None when sriovctl printed no JSON."""
        if not run.stdout.strip():
            return None
        try:
            doc = json.loads(run.stdout)
        except ValueError as e:
            self.fail(run, msg='%s printed output that is not JSON (%s): is it sriovctl?' % (self.binary, e))
        if not isinstance(doc, dict):
            self.fail(run, msg='%s printed JSON that is not an object: is it sriovctl?' % self.binary)
        version = doc.get('schema_version')
        if version not in KNOWN_SCHEMA_VERSIONS:
            known = ', '.join(str(v) for v in KNOWN_SCHEMA_VERSIONS)
            msg = ('%s (%s) prints JSON schema_version %s; this collection (sriovctl.sriov) understands '
                   'schema_version %s only' % (self.binary, self.version(), json.dumps(version), known))
            hint = ('install the sriovctl.sriov collection release that matches this sriovctl, '
                    'or a sriovctl that prints schema_version %s' % known)
            self.fail(run, msg=msg, hint=hint)
        return doc

    def fail(self, run, msg=None, **extra):
        """Fail the module with the tool's one-line error and hint (or `msg`), rc, stdout, stderr, cmd."""
        fields = dict(cmd=run.argv, rc=run.rc, stdout=run.stdout, stderr=run.stderr)
        if msg is None:
            msg = run.error or ('%s exited with status %d and printed no error' % (self.binary, run.rc))
        fields['hint'] = run.hint
        fields.update(extra)
        self.module.fail_json(msg=msg, **fields)

    def require_document(self, run, **extra):
        """The schema-checked document, or fail with the tool's error: no JSON (a file error, a
        refusal of a real run, a busy lock, a usage error) or an exit status other than 0 or 1.
        Exit 1 with JSON (a failed step, failing findings) is the caller's to report."""
        doc = self.document(run)
        if doc is None or run.rc not in (0, 1):
            self.fail(run, **extra)
        return doc


class Run(object):
    """One finished sriovctl process."""

    def __init__(self, argv, rc, stdout, stderr):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        # sriovctl's error format (DESIGN.md section 2): "Error: <one line>" then an optional
        # "hint: <fix>" line. Argument-parser usage errors (exit 64) also start with "Error: ".
        self.error = None
        self.hint = None
        for line in stderr.splitlines():
            if self.error is None and line.startswith('Error: '):
                self.error = line[len('Error: '):]
            elif self.error is not None and self.hint is None and line.startswith('hint: '):
                self.hint = line[len('hint: '):]


def action_statuses(result):
    """Each planned action of an apply `result`, with the status the lists of the result give it.

    Pure JSON mapping: sriovctl puts every planned action in exactly one of applied, unchanged,
    rolled_back, failed (with "error"; also actions whose rollback failed) or skipped; a dry run
    leaves all of them in planned only.
    """
    actions = [dict(action, status='planned', error=None) for action in result.get('planned', [])]
    if result.get('dry_run'):
        return actions
    taken = set()
    for status in ('applied', 'unchanged', 'rolled_back', 'failed', 'skipped'):
        for entry in result.get(status, []):
            bare = dict((k, v) for k, v in entry.items() if k != 'error')
            for i, action in enumerate(actions):
                if i in taken:
                    continue
                if dict((k, v) for k, v in action.items() if k not in ('status', 'error')) == bare:
                    action['status'] = status
                    action['error'] = entry.get('error')
                    taken.add(i)
                    break
    return actions


def action_diff(action):
    """Ansible's diff dict for one apply action: `from` -> `to` under a header naming the target."""
    header = '%s %s' % (action['pf'], action['kind'])
    if action.get('vf') is not None:
        header += ' vf %s' % action['vf']
    if action.get('address'):
        header += ' (%s)' % action['address']
    before = '%s\n' % (action['from'] if action.get('from') is not None else '(none)')
    after = '%s\n' % action['to']
    if action.get('destroys'):
        after += 'destroys: %s\n' % ' '.join(action['destroys'])
    return dict(before_header=header, after_header=header, before=before, after=after)


def desired_state_module(argument_spec=None):
    """The AnsibleModule of a module that takes a desired state (sriov_apply, sriov_persist): exactly
    one of O(state) (inline) and O(src) (a file on the managed host), plus the common options."""
    spec = dict(state=dict(type='dict'), src=dict(type='path'))
    spec.update(argument_spec or {})
    spec.update(COMMON_ARGUMENT_SPEC)
    return AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('state', 'src')],
        required_one_of=[('state', 'src')],
        supports_check_mode=True,
    )


def desired_state_path(module):
    """The file to hand sriovctl: O(src), or O(state) written out by write_state_file."""
    return module.params['src'] or write_state_file(module, module.params['state'])


def write_state_file(module, state):
    """Inline desired state as a JSON file in the module's temporary directory (sriovctl reads a
    .json file as strict JSON, so Ansible's YAML typing cannot be misread a second time)."""
    path = os.path.join(module.tmpdir, 'desired-state.json')
    with open(path, 'w') as f:
        json.dump(state, f, indent=2)
        f.write('\n')
    return path
