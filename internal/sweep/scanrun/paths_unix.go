//go:build unix && !darwin

package scanrun

import "path/filepath"

// defaultCandidates are the places that matter on Linux and the BSDs:
// home directories, temporary directories (where droppers write), startup
// and autorun locations (cron, systemd units, init scripts, profile
// scripts, XDG autostart), downloads and mail stores (under the homes, and
// the system mail spools).
func defaultCandidates() []string {
	homes, _ := filepath.Glob("/home/*")
	return append(homes,
		"/root", "/tmp", "/var/tmp", "/dev/shm",
		"/etc/cron.d", "/etc/cron.daily", "/etc/cron.hourly", "/etc/cron.weekly", "/etc/cron.monthly", "/etc/crontab",
		"/var/spool/cron", "/etc/systemd/system", "/usr/lib/systemd/system", "/etc/init.d", "/etc/rc.local",
		"/etc/profile.d", "/etc/xdg/autostart", "/etc/ld.so.preload",
		"/var/mail", "/var/spool/mail",
	)
}
