# Post-processes the mdoc page swift-argument-parser's generate-manual writes. It copies each
# command's discussion verbatim, so blank lines (mdoc warns "Empty input line") and the indented
# EXAMPLES / EXIT STATUS blocks (which roff would refill) need marking up:
#   blank line          -> .Pp
#   "EXIT STATUS:" etc. -> .Sy heading
#   indented lines      -> one .Bd -literal block, without the two-space base indent
# and adds the sections the command definitions cannot carry (ENVIRONMENT, FILES, SEE ALSO).
function close_block() { if (literal) { print ".Ed"; literal = 0 } }
# The footer names the release (awk -v version=X.Y.Z) instead of "BSD".
/^\.Os$/ && version != "" { print ".Os \"sriovctl " version "\""; next }
/^\.Sh "EXIT STATUS"/ {
  close_block()
  print ".Sh ENVIRONMENT"
  print ".Bl -tag -width Ds"
  print ".It Ev SRIOVCTL_ROOT"
  print "The host root when"
  print ".Fl -root"
  print "is not given (default"
  print ".Pa / ) ."
  print ".El"
  print ".Sh FILES"
  print ".Bl -tag -width Ds"
  print ".It Pa /sys/bus/pci/devices/*/sriov_numvfs , sriov_totalvfs , virtfnN , driver_override"
  print "What the commands read and write, under the host root."
  print ".It Pa /run/sriovctl.lock"
  print "Held while a command changes the host."
  print ".It Pa /usr/share/misc/pci.ids"
  print "Device names (package pci.ids)."
  print ".It Pa /usr/share/doc/sriovctl/"
  print "The README, the changelog, the JSON schema and the other guides."
  print ".El"
}
/^\.Sh AUTHORS/ {
  close_block()
  print ".Sh \"SEE ALSO\""
  print ".Xr lspci 8 ,"
  print ".Xr ip-link 8 ,"
  print ".Xr systemctl 1"
}
/^\./ { close_block(); print; next }
/^$/ { close_block(); print ".Pp"; next }
/^[A-Z][A-Z ]*:$/ { close_block(); print ".Sy \"" $0 "\""; next }
/^  / {
  if (!literal) { print ".Bd -literal -offset 2n"; literal = 1 }
  line = substr($0, 3)
  if (line ~ /^[.']/) line = "\\&" line
  print line
  next
}
{ close_block(); print }
END { close_block() }
