package lookalike

import "strings"

// Words is the built-in French and English list of words attackers join to
// a campaign's or a provider's name: the services a campaign uses (mail,
// onedrive, office, adfs, vpn), what a log-in page says (login, compte,
// verify), and what a campaign does (adhesion, don, vote). The generator
// combines them with the protected name on both sides, with and without
// a hyphen; the detector flags a protected name joined only to such words.
var Words = strings.Fields(`
mail webmail email courriel messagerie mx smtp imap owa outlook exchange
login logon signin sign connexion connect auth authentification sso adfs idp oauth saml
account accounts compte comptes myaccount moncompte profile profil id identity identite
secure security securite securise safe protect protection verify verification verif check confirm confirmation validate validation
password passwd motdepasse mdp reset recovery recuperation unlock update maj
onedrive drive sharepoint office office365 o365 microsoft365 teams cloud docs documents document doc file files fichiers share partage
portal portail intranet extranet espace espacemembre members membres member adherent adherents adhesion adhesions
don dons donate donation donations faireundon soutien soutenir support helpdesk help aide assistance service services
vote voter elections election scrutin procuration campagne campaign candidat candidate presidentielle legislatives meeting
admin administration it informatique dsi web online en-ligne app apps mobile vpn remote citrix gateway access acces
alert alerts alerte notification notifications notice info infos news actu actualites newsletter presse press
team equipe staff rh hr finance billing facture factures payment paiement pay shop boutique store
official officiel my mon ma www www2 sap srv server
`)

// lureWords are the words of Words plus a few short ones that, glued to a
// protected name, make it look like a service of its owner.
var lureWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range Words {
		m[w] = true
	}
	for _, w := range strings.Fields(`in en fr us de uk eu com net org online update service center team 365 it us customer secured`) {
		m[w] = true
	}
	return m
}()

// lureMaxLen is the length of the longest lure word.
var lureMaxLen = func() int {
	n := 0
	for w := range lureWords {
		n = max(n, len(w))
	}
	return n
}()

func allLure(toks []string) bool {
	if len(toks) == 0 {
		return false
	}
	for _, t := range toks {
		if !lureWords[t] && !isDigits(t) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// segmentsIntoLure reports whether s (at most 48 bytes) is a run of lure
// words glued together, optionally separated by hyphens or digits:
// "securelogin", "mail-verify", "support24".
func segmentsIntoLure(s string) bool {
	if s == "" || len(s) > 48 {
		return false
	}
	var ok [49]bool
	ok[0] = true
	for i := 1; i <= len(s); i++ {
		c := s[i-1]
		if (c == '-' || c >= '0' && c <= '9') && ok[i-1] {
			ok[i] = true
			continue
		}
		for j := max(0, i-lureMaxLen); j < i; j++ {
			if ok[j] && lureWords[s[j:i]] {
				ok[i] = true
				break
			}
		}
	}
	return ok[len(s)] && s != "" && !isDigits(s)
}
