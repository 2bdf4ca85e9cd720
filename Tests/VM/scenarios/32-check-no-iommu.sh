#!/bin/bash
# vm: --no-iommu
# timeout: 300
# No IOMMU: `check` fails iommu.kernel with the kernel-parameter hint, the PF is in no group, and
# the root port's ACS (capable, left off by the kernel) is explained by the missing IOMMU.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0

section "sriovctl check $PF --json"
sc check $PF --json
expect "exit status" "$SC_RC" 1
expect_json "ok" .ok false
expect_json "iommu.kernel fails" '[.findings[] | select(.check == "iommu.kernel") | .severity]' '["fail"]'
expect_json "hint names intel_iommu=on" '[.findings[] | select(.check == "iommu.kernel") | .hint | contains("intel_iommu=on")]' '[true]'
expect_json "PF in no group" '[.findings[] | select(.check == "iommu.group") | .severity]' '["fail"]'
expect_json "acs path blames the missing IOMMU" '[.findings[] | select(.check == "isolation.acs_path") | .hint]' \
  '["the kernel enables ACS only with an active IOMMU: enable the IOMMU first"]'
expect_json "acs path names the root port" "[.findings[] | select(.check == \"isolation.acs_path\") | .message | startswith(\"isolation breaks at $RP (root port): ACS capable but not enabled\")]" '[true]'

section "sriovctl check (text)"
sc check
expect "exit status" "$SC_RC" 1
printf '%s\n' "$SC_OUT" | sed 's/^/       | /'
finish
