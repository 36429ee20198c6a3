package sweep

import (
	"bufio"
	"os"
	"strings"
)

// pseudoTypes are the Linux file systems that hold no user files: kernel
// interfaces whose files are endless, block, or change under the reader.
var pseudoTypes = map[string]bool{
	"proc": true, "sysfs": true, "devtmpfs": true, "devpts": true, "cgroup": true, "cgroup2": true,
	"securityfs": true, "debugfs": true, "tracefs": true, "pstore": true, "bpf": true, "configfs": true,
	"fusectl": true, "mqueue": true, "hugetlbfs": true, "autofs": true, "binfmt_misc": true,
	"efivarfs": true, "selinuxfs": true, "rpc_pipefs": true, "nsfs": true, "usbfs": true,
}

// pseudoMounts returns the mount points of pseudo file systems, from
// /proc/self/mountinfo (empty if it cannot be read).
func pseudoMounts() map[string]bool {
	out := map[string]bool{}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		mp, fstype, ok := parseMountinfo(sc.Text())
		if ok && pseudoTypes[fstype] {
			out[mp] = true
		}
	}
	return out
}

// parseMountinfo reads the mount point and file-system type of one line of
// /proc/self/mountinfo:
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
func parseMountinfo(line string) (mountPoint, fstype string, ok bool) {
	left, right, found := strings.Cut(line, " - ")
	if !found {
		return "", "", false
	}
	lf := strings.Fields(left)
	rf := strings.Fields(right)
	if len(lf) < 5 || len(rf) < 1 {
		return "", "", false
	}
	return unescapeOctal(lf[4]), rf[0], true
}

// unescapeOctal undoes the \040-style escapes of mountinfo.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOct(s[i+1]) && isOct(s[i+2]) && isOct(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOct(c byte) bool { return c >= '0' && c <= '7' }
