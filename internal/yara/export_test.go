package yara

// ScanCases returns the scanCases table as (name, rule, data, want).
func ScanCases() [][4]string {
	out := make([][4]string, len(scanCases))
	for i, c := range scanCases {
		out[i] = [4]string{c.name, c.rule, c.data, c.want}
	}
	return out
}
