// Package systemd owns how docscand is deployed: its systemd units
// (docscand.service, docscand.socket) and default configuration
// (docscand.yaml), installed as /lib/systemd/system/ and
// /etc/docscan/docscand.yaml by the Debian package (.ci/package). It has
// no Go API; its tests check the units with systemd's own tools, start the
// real daemon the way the units do, and build and install the package.
package systemd
