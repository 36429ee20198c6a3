package leak

import (
	"regexp"
	"strings"
	"sync"
)

// Languages of the report. report.json carries both: each item's reasons
// in English (reasons) and in French (reasons_fr); report.html is written
// in the language asked for (Config.Lang).
const (
	LangEN = "en"
	LangFR = "fr"
)

// verdictFR names and explains each verdict in French.
var verdictFR = map[Verdict][2]string{
	Authentic:            {"Authentique", "Une signature DKIM valide du domaine expéditeur couvre tout le corps (pièces jointes comprises) et tous les champs d'en-tête qu'un lecteur voit (De, À, Cc, Objet, Date) : le message est ce que le serveur de ce domaine a envoyé."},
	AuthenticWithCaveats: {"Authentique, avec réserves", "Une signature est valide, mais une réserve limite ce qu'elle prouve ; chaque réserve est nommée (par exemple un champ que la signature ne couvre pas)."},
	Altered:              {"Modifié", "Le message ne correspond plus à ce qui a été signé, ou diffère de la copie du parti : ce qui a changé est nommé."},
	Forged:               {"Falsifié", "Des preuves montrent que le message n'est pas ce que le domaine expéditeur a envoyé : signé avec une autre clé que la clé archivée du domaine, ou sans signature d'un domaine qui signe tout son courrier dans la fuite. Les preuves sont données pour chaque message."},
	Reformatted:          {"Reformaté, texte inchangé", "La signature ne se vérifie plus parce que les octets ont été réécrits (espaces, retours à la ligne, encodage de transfert), mais le texte est inchangé : la signature correspond une fois la réécriture défaite, ou la copie du parti montre le même texte, les mêmes champs et les mêmes pièces jointes."},
	Unverifiable:         {"Invérifiable", "Rien n'a pu être prouvé dans un sens ou dans l'autre : pas de signature, pas de clé, ou pas d'original à comparer. Ce n'est pas une preuve de falsification."},
	IdenticalToOriginal:  {"Identique à un original", "Le fichier est identique, octet pour octet, à un fichier des archives du parti."},
	ModifiedCopy:         {"Copie modifiée", "Le fichier est une copie d'un fichier du parti, avec des modifications : les différences sont montrées."},
	Suspicious:           {"Métadonnées suspectes", "Aucun original trouvé, et les métadonnées du document ne correspondent pas aux documents authentiques du parti. Des métadonnées peuvent être fausses pour des raisons innocentes : c'est une raison de douter, pas une preuve de falsification."},
	NoOriginal:           {"Aucun original trouvé", "Rien de semblable dans les archives du parti, et les métadonnées ne montrent aucune anomalie : l'élément ne peut être ni confirmé ni réfuté."},
	Error:                {"Non examiné", "L'élément est endommagé, chiffré, au-delà d'une limite de sécurité, tronqué, ou n'est pas ce que son nom annonce ; la raison est donnée."},
}

// phrasesFR translate the reasons, longest and most specific first. The
// reasons are built from fixed phrases around names, numbers and paths,
// which pass through unchanged.
var phrasesFR = []struct {
	re  *regexp.Regexp
	out string
}{}

// phrasesOnce compiles phrasesFR on first use: every vigie command (vigie
// yara among them) would otherwise compile these regular expressions at
// start-up (1.7 MB of heap).
var phrasesOnce sync.Once

func compilePhrasesFR() {
	for _, p := range [][2]string{
		{`^forged signature: signature #(\d+) claims d=(\S+) s=(\S+), but it was made with another key than the archived key of that selector valid on (\S+) \(the signature does not even decode under it, which a changed header field would not cause\)`, "signature falsifiée : la signature n°$1 se réclame de d=$2 s=$3, mais elle a été faite avec une autre clé que la clé archivée de ce sélecteur valable le $4 (elle ne se décode même pas avec celle-ci, ce qu'un champ d'en-tête modifié ne causerait pas)"},
		{`^forged sender: the message claims to come from (\S+) and passed through mail servers, but carries no valid signature of (\S+), while (\S+) validly signed (\d+) of the (\d+) relayed messages it sent in this dump (between (\S+) and (\S+)|on (\S+)) \(a domain that signs its mail signs every message its servers send; see the method for the threshold\)`, "expéditeur usurpé : le message dit venir de $1 et est passé par des serveurs de messagerie, mais ne porte aucune signature valide de $2, alors que $3 a signé valablement $4 des $5 messages relayés qu'il a envoyés dans cette fuite ($6) (un domaine qui signe son courrier signe chaque message que ses serveurs envoient ; voir la méthode pour le seuil)"},
		{`^signature #(\d+) \(d=(\S+) s=(\S+)\) is valid and covers the whole body and every header field a reader sees \((.*)\)$`, "la signature n°$1 (d=$2 s=$3) est valide et couvre tout le corps et chaque champ d'en-tête qu'un lecteur voit ($4)"},
		{`^signature #(\d+) \(d=(\S+) s=(\S+)\) is valid, with (\d+) caveat\(s\)`, "la signature n°$1 (d=$2 s=$3) est valide, avec $4 réserve(s)"},
		{`^signature #(\d+) \(d=(\S+)\) is valid for what it covers, but what a reader sees was changed after signing: (.*)$`, "la signature n°$1 (d=$2) est valide pour ce qu'elle couvre, mais ce qu'un lecteur voit a été modifié après la signature : $3"},
		{`(\d+) bytes were appended to the body after the signed length \(l=(\d+)\): the first (\d+) bytes are as d=(\S+) signed them; what follows was added after signing and is covered by no signature`, "$1 octets ont été ajoutés au corps après la longueur signée (l=$2) : les $3 premiers octets sont tels que d=$4 les a signés ; la suite a été ajoutée après la signature et n'est couverte par aucune signature"},
		{`signature #(\d+) \(d=(\S+)\) covers (.*?), which the valid signature #(\d+) does not, and fails over its header fields while its body hash matches: (.*) was changed after signing`, "la signature n°$1 (d=$2) couvre $3, ce que la signature valide n°$4 ne fait pas, et échoue sur ses champs d'en-tête alors que son empreinte du corps correspond : $5 a été modifié après la signature"},
		{`^(.*) is not covered by the signature: a (\S+) field was added above the signed one after signing`, "$1 n'est pas couvert par la signature : un champ $2 a été ajouté au-dessus du champ signé, après la signature"},
		{`(\S+) \(not signed\) is not covered by the signature: it may have been added or changed`, "$1 (non signé) n'est pas couvert par la signature : il a pu être ajouté ou modifié"},
		{`^altered: (.+), which the signature does not cover, (was|were) changed: `, "modifié : $1, que la signature ne couvre pas, a été changé : "},
		{`altered compared with the party's copy \(not proven by a signature\): `, "modifié par rapport à la copie du parti (pas prouvé par une signature) : "},
		{`altered compared with the party's copy: `, "modifié par rapport à la copie du parti : "},
		{`differs from the party's copy (\S+) \(found by Message-ID\) in: `, "diffère de la copie du parti $1 (trouvée par Message-ID) en : "},
		{`differs from the party's copy (\S+) \(found by text similarity (\d+)%\) in: `, "diffère de la copie du parti $1 (trouvée par similarité de texte $2 %) en : "},
		{`body text \((\d+) lines? added, (\d+) lines? removed\)`, "texte du corps ($1 ligne(s) ajoutée(s), $2 supprimée(s))"},
		{`attachment "([^"]*)" replaced: its content differs from the party's copy \(SHA-256 (\S+) there, (\S+) here\)`, `pièce jointe « $1 » remplacée : son contenu diffère de la copie du parti (SHA-256 $2 là-bas, $3 ici)`},
		{`attachment "([^"]*)" added \(not in the party's copy\)`, `pièce jointe « $1 » ajoutée (absente de la copie du parti)`},
		{`attachment "([^"]*)" removed`, `pièce jointe « $1 » supprimée`},
		{`^the party's copy (\S+) \((found by [^)]*)\) has the same body, attachments and header fields \(.*\)$`, "la copie du parti $1 ($2) a le même corps, les mêmes pièces jointes et les mêmes champs d'en-tête (From, To, Cc, Subject, Date, Reply-To, Message-ID)"},
		{`^the party's copy (\S+) \((found by [^)]*)\) has the same text, attachments and header fields; `, "la copie du parti $1 ($2) a le même texte, les mêmes pièces jointes et les mêmes champs d'en-tête ; "},
		{`found by Message-ID`, "trouvée par Message-ID"},
		{`found by text similarity (\d+)%`, "trouvée par similarité de texte $1 %"},
		{`^reformatted, text unchanged: the signature no longer verifies over the body bytes, but signature #(\d+) \(d=(\S+)\) matches once spaces and tabs at line ends are removed \(they were added after signing, by a mail client or a relay\): the signature itself proves the text a reader sees is what was signed`, "reformaté, texte inchangé : la signature ne se vérifie plus sur les octets du corps, mais la signature n°$1 (d=$2) correspond une fois retirés les espaces et tabulations en fin de ligne (ajoutés après la signature par un logiciel de messagerie ou un relais) : la signature elle-même prouve que le texte qu'un lecteur voit est celui qui a été signé"},
		{`^reformatted, text unchanged: the signature no longer verifies over the body bytes, but signature #(\d+) \(d=(\S+)\) matches once the body is decoded from (\S+) \(a relay re-encoded the 8bit text after signing\): the signature itself proves the text a reader sees is what was signed`, "reformaté, texte inchangé : la signature ne se vérifie plus sur les octets du corps, mais la signature n°$1 (d=$2) correspond une fois le corps décodé du $3 (un relais a réencodé le texte 8bit après la signature) : la signature elle-même prouve que le texte qu'un lecteur voit est celui qui a été signé"},
		{`: headers intact; the body bytes do not match the signed body hash as they are`, " : en-têtes intacts ; les octets du corps, tels quels, ne correspondent pas à l'empreinte signée du corps"},
		{`the body matches the signed body hash once spaces and tabs at line ends are removed: only whitespace was added after signing, the text is unchanged`, "le corps correspond à l'empreinte signée une fois retirés les espaces en fin de ligne : seuls des espaces ont été ajoutés après la signature, le texte est inchangé"},
		{`the body matches the signed body hash once decoded from (\S+): a relay re-encoded the text after signing, the text is unchanged`, "le corps correspond à l'empreinte signée une fois décodé du $1 : un relais a réencodé le texte après la signature, le texte est inchangé"},
		{`^reformatted, text unchanged: the signature no longer verifies over the body, but the party's copy (\S+) \((.*?)\) shows the content is the same: `, "reformaté, texte inchangé : la signature ne se vérifie plus sur le corps, mais la copie du parti $1 ($2) montre que le contenu est le même : "},
		{`the body was re-encoded: its text parts are in (\S+) transfer encoding here and in (\S+) in the party's copy \(a relay converts 8bit to quoted-printable this way\); the decoded text is the same`, "le corps a été réencodé : ses parties texte sont en encodage de transfert $1 ici et $2 dans la copie du parti (un relais convertit ainsi le 8bit en quoted-printable) ; le texte décodé est le même"},
		{`only whitespace at line ends differs from the party's copy \(spaces or tabs added or removed by a mail client or relay\); the text is the same`, "seuls des espaces en fin de ligne diffèrent de la copie du parti (ajoutés ou retirés par un logiciel de messagerie ou un relais) ; le texte est le même"},
		{`only line wrapping and whitespace differ from the party's copy \(lines re-wrapped by a mail client or relay\); the words are the same`, "seuls les retours à la ligne et les espaces diffèrent de la copie du parti (lignes recoupées par un logiciel de messagerie ou un relais) ; les mots sont les mêmes"},
		{`the only difference is mbox quoting: one copy was kept in an mbox file, where body lines starting with "From " are stored as ">From "; the text is the same`, `la seule différence est la protection mbox : une copie a été conservée dans un fichier mbox, où les lignes commençant par « From » sont stockées « >From » ; le texte est le même`},
		{`\. DKIM hashes bytes, so such a change breaks the signature without changing what a reader sees`, ". DKIM calcule une empreinte des octets : un tel changement casse la signature sans changer ce qu'un lecteur voit"},
		{`^the message does not match what was signed: body changed$`, "le message ne correspond pas à ce qui a été signé : le corps a été modifié"},
		{`^the message does not match what was signed: headers changed$`, "le message ne correspond pas à ce qui a été signé : les en-têtes ont été modifiés"},
		{`^the message does not match what was signed: (body and headers|headers and body) changed$`, "le message ne correspond pas à ce qui a été signé : le corps et les en-têtes ont été modifiés"},
		{`: headers intact, but the body does not match the signed body hash`, " : en-têtes intacts, mais le corps ne correspond pas à l'empreinte signée du corps (bh=)"},
		{`: the signature does not verify over the signed header fields: one of them or the signature itself was changed \(or the published key is not the one that signed\)`, " : la signature ne se vérifie pas sur les champs d'en-tête signés : l'un d'eux ou la signature elle-même a été modifié (ou la clé publiée n'est pas celle qui a signé)"},
		{`^the message carries no DKIM signature: nothing can be proven either way$`, "le message ne porte aucune signature DKIM : rien ne peut être prouvé dans un sens ou dans l'autre"},
		{`^no signature could be checked: this says nothing about authenticity either way$`, "aucune signature n'a pu être vérifiée : cela ne dit rien de l'authenticité, dans un sens ou dans l'autre"},
		{`does not align with the From domain\(s\) (\S+): it proves the message passed through (\S+), not that the author's domain sent it`, "ne correspond pas au(x) domaine(s) de l'expéditeur $1 : elle prouve que le message est passé par $2, pas que le domaine de l'auteur l'a envoyé"},
		{`the key was taken from the key archive \(its SHA-256 is in the report's header\): the proof rests on the archive's provenance`, "la clé vient de l'archive de clés (son SHA-256 est dans l'en-tête du rapport) : la preuve repose sur la provenance de l'archive"},
		{`x= expired \((.*?)\) before the verification time, but the signature was valid at the message's time`, "x= a expiré ($1) avant la vérification, mais la signature était valide à la date du message"},
		{`the message was stored with LF line endings; it was verified after conversion to CRLF, as mail servers see it`, "le message était stocké avec des fins de ligne LF ; il a été vérifié après conversion en CRLF, comme le voient les serveurs"},
		{`a leading mbox "From " line was removed before verification`, `une ligne mbox « From » initiale a été retirée avant la vérification`},
		{`present but not signed \(they could have been changed\): `, "présents mais non signés (ils ont pu être modifiés) : "},
		{`not over-signed \(another instance could be added above without breaking the signature\): `, "non sur-signés (une autre instance pourrait être ajoutée au-dessus sans casser la signature) : "},
		{`^identical, byte for byte \(SHA-256\), to the original `, "identique, octet pour octet (SHA-256), à l'original "},
		{`^identical, byte for byte, to the party's copy `, "identique, octet pour octet, à la copie du parti "},
		{`^a modified copy of the original (\S+) \(text similarity (\d+)%\): (\d+) lines? added, (\d+) lines? removed`, "une copie modifiée de l'original $1 (similarité de texte $2 %) : $3 ligne(s) ajoutée(s), $4 supprimée(s)"},
		{`^same text as the original (\S+) but not the same file: re-saved or its metadata changed`, "même texte que l'original $1 mais pas le même fichier : réenregistré ou métadonnées modifiées"},
		{`; metadata changed: `, " ; métadonnées modifiées : "},
		{`^the metadata does not fit the party's genuine documents \(see the anomalies\); this alone does not prove a forgery$`, "les métadonnées ne correspondent pas aux documents authentiques du parti (voir les anomalies) ; cela seul ne prouve pas une falsification"},
		{`^no originals were given to compare with and the metadata shows no anomaly$`, "aucun original n'a été fourni pour comparer et les métadonnées ne montrent aucune anomalie"},
		{`^no original with the same content or similar text was found among the party's files$`, "aucun original de même contenu ou de texte semblable n'a été trouvé parmi les fichiers du parti"},
		{`^metadata anomaly \(([^)]*)\): `, "anomalie de métadonnées ($1) : "},
		{`^could not be examined: `, "non examiné : "},
		{`^not a mail or document format Vigie reads \(([^)]*)\): listed, and compared with the party's files by SHA-256 only`, "pas un format de courrier ou de document que Vigie lit ($1) : listé, et comparé aux fichiers du parti par SHA-256 seulement"},
		{`^truncated: the message ends inside its header section after (\d+) bytes \(no empty line before a body; the last line is cut\); nothing can be said of a message cut short \(it is not evidence of alteration\)`, "tronqué : le message s'arrête au milieu de ses en-têtes après $1 octets (pas de ligne vide avant un corps ; la dernière ligne est coupée) ; rien ne peut être dit d'un message coupé (ce n'est pas une preuve de modification)"},
		{`^truncated: the message ends before its closing MIME boundary: it was cut short \(the end of a truncated mailbox file, or a partial copy\), which is why its body does not match its signature; nothing can be said of the missing part`, "tronqué : le message s'arrête avant sa frontière MIME de fin : il a été coupé (fin d'un fichier de boîte aux lettres tronqué, ou copie partielle), c'est pourquoi son corps ne correspond pas à sa signature ; rien ne peut être dit de la partie manquante"},
		{`not a message: the file holds binary data \(NUL bytes\), not mail header fields`, "pas un message : le fichier contient des données binaires (octets NUL), pas des champs d'en-tête"},
		{`not a message: the first line is not a mail header field \("Name: value"\)`, "pas un message : la première ligne n'est pas un champ d'en-tête (« Nom: valeur »)"},
		{`not a message: the file is empty`, "pas un message : le fichier est vide"},
		{`empty mbox: the file holds no message`, "mbox vide : le fichier ne contient aucun message"},
		{`is larger than the (\d+)-byte limit \(--max-message-size\)`, "dépasse la limite de $1 octets (--max-message-size)"},
		{`the document is encrypted: only the metadata stored in clear was read`, "le document est chiffré : seules les métadonnées en clair ont été lues"},
		// dkim's wording
		{`: headers intact, but (l=\S+ ?)?(.*?): body content was removed`, " : en-têtes intacts, mais $1$2 : du contenu a été retiré du corps"},
		{`: headers intact, but the first l=(\d+) body bytes do not match the signed body hash`, " : en-têtes intacts, mais les $1 premiers octets du corps ne correspondent pas à l'empreinte signée"},
		{`a signed field among: (.*) was changed`, "un champ signé parmi : $1 a été modifié"},
		{`with c=simple headers, a change of whitespace, folding or name case is enough \(mail servers sometimes refold\)`, "avec des en-têtes c=simple, un changement d'espaces, de repli ou de casse du nom suffit (des serveurs replient parfois les lignes)"},
		{`^\s*the body matches the signed body hash$`, "le corps correspond à l'empreinte signée"},
		{`the body does not match bh= either, but bh= is only trustworthy when the signature verifies: whether the body changed cannot be told`, "le corps ne correspond pas non plus à bh=, mais bh= n'est fiable que si la signature se vérifie : on ne peut pas dire si le corps a changé"},
		{`the first (\d+) bytes of the canonical body match bh=: (\d+) bytes were appended after the signed body`, "les $1 premiers octets du corps canonique correspondent à bh= : $2 octets ont été ajoutés après le corps signé"},
		{`no key published or archived for this selector: cannot verify, which is not evidence of forgery`, "aucune clé publiée ni archivée pour ce sélecteur : vérification impossible, ce qui n'est pas une preuve de falsification"},
		{`the key is revoked \(empty p=\) and no archived copy was given`, "la clé est révoquée (p= vide) et aucune copie archivée n'a été fournie"},
		{`rsa-sha1 signature: SHA-1 is broken for collisions \(RFC 8301 forbids relying on it\)`, "signature rsa-sha1 : SHA-1 est cassé pour les collisions (la RFC 8301 interdit de s'y fier)"},
		{`RSA key of (\d+) bits: such keys are factored cheaply, so the signature proves little`, "clé RSA de $1 bits : de telles clés se factorisent à peu de frais, la signature prouve donc peu"},
		{`the key is in testing mode \(t=y\)`, "la clé est en mode test (t=y)"},
		{`x= \((.*?)\) had already passed at the message's own date`, "x= ($1) était déjà dépassé à la date du message"},
		{`\(not signed\) is not covered by the signature: it may have been added or changed`, "(non signé) n'est pas couvert par la signature : il a pu être ajouté ou modifié"},
		{`fails \(([^)]*)\): it was made with another key than the one found for its selector`, "échoue ($1) : elle a été faite avec une autre clé que celle trouvée pour son sélecteur"},
		{`fails \(([^)]*)\): the body changed only in whitespace \(the valid signature's relaxed canonicalization ignores it, the failing one's simple canonicalization does not\)`, "échoue ($1) : le corps n'a changé que par des espaces (la canonisation relaxed de la signature valide les ignore, la canonisation simple de celle qui échoue non)"},
		{`fails \(([^)]*)\): a header field or that signature changed in a way the valid signature tolerates or does not cover`, "échoue ($1) : un champ d'en-tête ou cette signature a changé d'une façon que la signature valide tolère ou ne couvre pas"},
		{`ARC chain of (\d+) set\(s\): (\S+)(.*) \(an ARC chain records what forwarding servers saw; it does not change the verdict\)`, "chaîne ARC de $1 jeu(x) : $2$3 (une chaîne ARC note ce que les serveurs de relais ont vu ; elle ne change pas le verdict)"},
		{`Outlook \.msg files hold the message as Outlook converted it, not the bytes received: no DKIM signature could be checked`, "les fichiers Outlook .msg conservent le message tel qu'Outlook l'a converti, pas les octets reçus : aucune signature DKIM n'a pu être vérifiée"},
		{`the signature verifies on the message rebuilt from the Outlook \.msg file \(transport headers and plain-text body\)`, "la signature se vérifie sur le message reconstruit depuis le fichier Outlook .msg (en-têtes de transport et corps en texte brut)"},
		// docmeta's anomalies
		{`The document's author is "([^"]*)", who is not on the organisation's staff list\.`, "L'auteur du document est « $1 », qui ne figure pas sur la liste du personnel de l'organisation."},
		{`The last person who saved the document is "([^"]*)", who is not on the organisation's staff list\.`, "La dernière personne à avoir enregistré le document est « $1 », qui ne figure pas sur la liste du personnel de l'organisation."},
		{`is "([^"]*)", who is not on the organisation's staff list\.`, "est « $1 », qui ne figure pas sur la liste du personnel de l'organisation."},
		{`\("([^"]*)"\) is written in the (\S+) script, which the organisation does not use\.`, "(« $1 ») est écrit en alphabet $2, que l'organisation n'utilise pas."},
		{`The document was made with "([^"]*)", which the organisation does not use \((.*)\)\.`, "Le document a été fait avec « $1 », que l'organisation n'utilise pas ($2)."},
		{`The document was last saved on (.*?), after the data was stolen \((.*?)\): the stolen original cannot look like this\.`, "Le document a été enregistré pour la dernière fois le $1, après le vol des données ($2) : l'original volé ne peut pas avoir cet aspect."},
		{`The document was created on (.*?), after the data was stolen \((.*?)\): the stolen original cannot look like this\.`, "Le document a été créé le $1, après le vol des données ($2) : l'original volé ne peut pas avoir cet aspect."},
		{`(\d+) documents were last saved within (.*?) \((.*?) to (.*?)\)\. People do not edit that many documents that fast: a program re-saved or produced them in one batch\.`, "$1 documents ont été enregistrés pour la dernière fois en $2 (de $3 à $4). Personne ne modifie autant de documents aussi vite : un programme les a réenregistrés ou produits d'un coup."},
		{`The computer that saved this document was set to (\S+) \(from (.*?)\); the organisation's computers use (.*)\.`, "L'ordinateur qui a enregistré ce document était réglé sur $1 (d'après $2) ; les ordinateurs de l'organisation utilisent $3."},
		{`^caveat: `, "réserve : "},
		{`^note: `, "note : "},
		{`^altered: `, "modifié : "},
		{`^DKIM: `, "DKIM : "},
		{`signature #(\d+)`, "signature n°$1"},
		{`(après la signature : )(body and headers|headers and body)$`, "${1}le corps et les en-têtes"},
		{`(après la signature : )body$`, "${1}le corps"},
		{`(après la signature : )headers$`, "${1}les en-têtes"},
	} {
		phrasesFR = append(phrasesFR, struct {
			re  *regexp.Regexp
			out string
		}{regexp.MustCompile(p[0]), p[1]})
	}
}

// French translates one reason into French, phrase by phrase. A phrase
// without a translation (the text of a document's anomaly, an error
// message from a library) stays in English.
func French(reason string) string {
	phrasesOnce.Do(compilePhrasesFR)
	out := reason
	for _, p := range phrasesFR {
		out = p.re.ReplaceAllString(out, p.out)
	}
	return out
}

// translateItems fills each item's French reasons.
func translateItems(items []*Item) {
	for _, it := range items {
		it.ReasonsFR = make([]string, len(it.Reasons))
		for i, r := range it.Reasons {
			it.ReasonsFR[i] = French(r)
		}
	}
}

// uiText is the fixed text of report.html, per language.
var uiText = map[string]map[string]string{
	LangEN: {
		"title": "Leak verification report", "count": "Items", "items": "items examined", "compared": "compared with %d original items of the party",
		"generated": "Generated", "by": "by", "command": "Command line", "keys": "DKIM key archive", "records": "records",
		"originals": "Party's originals", "sha": "SHA-256", "livedns": "Keys were also looked up in the DNS as it is today.",
		"nodns": "Keys were not looked up in the DNS.", "summary": "Summary", "verdict": "Verdict", "total": "Total",
		"bykind": "By kind", "meaning": "What each verdict means", "evidence": "Items, with their evidence",
		"all": "All items", "item": "Item", "kind": "Kind", "from": "From", "subject": "Subject", "to": "To", "date": "Date",
		"pages": "The items are listed in pages of %d, each with the evidence:", "page": "Items %d–%d", "back": "Back to the summary",
		"headerfield": "Header field", "partycopy": "Party's copy", "leaked": "Leaked copy", "metadata": "Metadata", "original": "Original",
		"textchanges": "Text changes (lines starting with − were removed from the original, + were added):",
		"glossary":    "Glossary", "method": "Method and limits", "attention": "need attention",
		"type": "Type", "author": "Author", "lastsaved": "Last saved by", "software": "Software", "created": "Created", "modified": "Modified",
		"revision": "Revision", "edittime": "Edit time", "bytes": "bytes", "keyfrom": "key from", "bits": "bits", "none": "No item.",
		"originalsnote": "SHA-256 of the sorted list of \"sha256  ./path\" lines of every file in the folder (LC_ALL=C find . -type f | sort | xargs sha256sum | sha256sum).",
		"groups":        "Items that share a forger's traits", "group": "Group",
		"groupsintro": "Forgeries are planted in batches: the items of a batch are made with the same program, on the same computer, at the same odd hours. These groups gather items (never one proven authentic) that share traits seen on few other items of the dump. A group is a reason to examine its items together, not a proof of forgery.",
	},
	LangFR: {
		"title": "Rapport de vérification de la fuite", "count": "Éléments", "items": "éléments examinés", "compared": "comparés à %d éléments originaux du parti",
		"generated": "Produit le", "by": "par", "command": "Ligne de commande", "keys": "Archive de clés DKIM", "records": "enregistrements",
		"originals": "Originaux du parti", "sha": "SHA-256", "livedns": "Les clés ont aussi été cherchées dans le DNS tel qu'il est aujourd'hui.",
		"nodns": "Les clés n'ont pas été cherchées dans le DNS.", "summary": "Résumé", "verdict": "Verdict", "total": "Total",
		"bykind": "Par nature", "meaning": "Ce que signifie chaque verdict", "evidence": "Éléments et preuves",
		"all": "Tous les éléments", "item": "Élément", "kind": "Nature", "from": "De", "subject": "Objet", "to": "À", "date": "Date",
		"pages": "Les éléments sont présentés par pages de %d, chacune avec les preuves :", "page": "Éléments %d–%d", "back": "Retour au résumé",
		"headerfield": "Champ d'en-tête", "partycopy": "Copie du parti", "leaked": "Copie divulguée", "metadata": "Métadonnée", "original": "Original",
		"textchanges": "Modifications du texte (les lignes commençant par − ont été retirées de l'original, par + ajoutées) :",
		"glossary":    "Glossaire", "method": "Méthode et limites", "attention": "demandent attention",
		"type": "Type", "author": "Auteur", "lastsaved": "Dernier enregistrement par", "software": "Logiciel", "created": "Créé", "modified": "Modifié",
		"revision": "Révision", "edittime": "Temps d'édition", "bytes": "octets", "keyfrom": "clé venant de", "bits": "bits", "none": "Aucun élément.",
		"originalsnote": "SHA-256 de la liste triée des lignes « sha256  ./chemin » de chaque fichier du dossier (LC_ALL=C find . -type f | sort | xargs sha256sum | sha256sum).",
		"groups":        "Éléments qui partagent les traits d'un faussaire", "group": "Groupe",
		"groupsintro": "Les faux sont glissés par lots : les éléments d'un lot sont faits avec le même logiciel, sur le même ordinateur, aux mêmes heures inhabituelles. Ces groupes rassemblent des éléments (jamais un élément prouvé authentique) qui partagent des traits rares dans le reste de la fuite. Un groupe est une raison d'examiner ses éléments ensemble, pas une preuve de falsification.",
	},
}

// glossary explains the DKIM and forensic terms of the report in plain
// words, per language.
var glossary = map[string][][2]string{
	LangEN: {
		{"DKIM", "DomainKeys Identified Mail: the sending domain's mail server signs each message with a private key; anyone can check the signature with the public key the domain publishes in the DNS."},
		{"d=", "the domain that signed (e.g. d=en-marche.example)."},
		{"s= (selector)", "the name of the key the domain used; a domain may have several keys and replaces them over time."},
		{"h=", "the list of header fields the signature covers. A field not in h= (say Cc) can be added or changed without breaking the signature."},
		{"bh= (body hash)", "a fingerprint of the message body, inside the signature. If the body changes, bh= no longer matches."},
		{"b=", "the signature itself, computed over the fields in h= and bh=."},
		{"l= (body length)", "the signature covers only the first l bytes of the body; anything after them can be added by anyone."},
		{"c=relaxed/simple", "canonicalization: how strictly the bytes are compared. \"simple\" tolerates no change at all; \"relaxed\" ignores changes of spaces and line folding. The first word is for the header fields, the second for the body."},
		{"x=", "an expiry date the signer sets; a signature valid when the message was sent is still evidence after it."},
		{"pass / fail", "the signature verifies / does not verify."},
		{"permerror", "a permanent error: the signature cannot be checked (no key published, malformed signature, unsupported algorithm). It says nothing about authenticity."},
		{"temperror", "a temporary error (the DNS did not answer): try again later."},
		{"key archive", "a record of the public keys domains published in the past, with the dates each was valid: keys are replaced, so old mail is checked with the key of its time."},
		{"ARC", "Authenticated Received Chain: forwarding servers record what they saw; reported, but never used for the verdict."},
		{"mbox, >From", "a mailbox file format; it stores body lines starting with \"From \" as \">From \", which is not a change of content."},
		{"quoted-printable, 8bit", "transfer encodings of text; a relay may convert one to the other, which changes the bytes (and breaks DKIM) but not the text."},
		{"SHA-256", "a fingerprint of a file: two files with the same SHA-256 are identical."},
	},
	LangFR: {
		{"DKIM", "DomainKeys Identified Mail : le serveur de messagerie du domaine expéditeur signe chaque message avec une clé privée ; chacun peut vérifier la signature avec la clé publique que le domaine publie dans le DNS."},
		{"d=", "le domaine qui a signé (par exemple d=en-marche.example)."},
		{"s= (sélecteur)", "le nom de la clé utilisée par le domaine ; un domaine peut avoir plusieurs clés et les remplace avec le temps."},
		{"h=", "la liste des champs d'en-tête couverts par la signature. Un champ absent de h= (par exemple Cc) peut être ajouté ou modifié sans casser la signature."},
		{"bh= (empreinte du corps)", "une empreinte du corps du message, dans la signature. Si le corps change, bh= ne correspond plus."},
		{"b=", "la signature elle-même, calculée sur les champs de h= et sur bh=."},
		{"l= (longueur du corps)", "la signature ne couvre que les l premiers octets du corps ; ce qui suit peut être ajouté par n'importe qui."},
		{"c=relaxed/simple", "canonisation : la rigueur de la comparaison des octets. « simple » ne tolère aucun changement ; « relaxed » ignore les changements d'espaces et de repli des lignes. Le premier mot vaut pour les en-têtes, le second pour le corps."},
		{"x=", "une date d'expiration fixée par le signataire ; une signature valide à l'envoi reste une preuve après."},
		{"pass / fail", "la signature se vérifie / ne se vérifie pas."},
		{"permerror", "erreur permanente : la signature ne peut pas être vérifiée (pas de clé publiée, signature mal formée, algorithme non pris en charge). Cela ne dit rien de l'authenticité."},
		{"temperror", "erreur temporaire (le DNS n'a pas répondu) : réessayer plus tard."},
		{"archive de clés", "un relevé des clés publiques publiées par les domaines dans le passé, avec leurs dates de validité : les clés sont remplacées, un ancien message est donc vérifié avec la clé de son époque."},
		{"ARC", "Authenticated Received Chain : les serveurs de relais notent ce qu'ils ont vu ; signalé, mais jamais utilisé pour le verdict."},
		{"mbox, >From", "un format de boîte aux lettres ; il stocke les lignes du corps commençant par « From » sous la forme « >From », ce qui n'est pas un changement de contenu."},
		{"quoted-printable, 8bit", "des encodages de transfert du texte ; un relais peut convertir l'un en l'autre, ce qui change les octets (et casse DKIM) mais pas le texte."},
		{"SHA-256", "une empreinte d'un fichier : deux fichiers de même SHA-256 sont identiques."},
	},
}

// badgeMark distinguishes verdict badges without colour (printouts,
// colour blindness).
var badgeMark = map[Verdict]string{
	Authentic: "✔", AuthenticWithCaveats: "✔?", Altered: "✎", Forged: "✖", Reformatted: "≈", Unverifiable: "?",
	IdenticalToOriginal: "=", ModifiedCopy: "≠", Suspicious: "⚠", NoOriginal: "∅", Error: "!",
}

func verdictLabel(v Verdict, lang string) string {
	if lang == LangFR {
		return verdictFR[v][0]
	}
	return verdictInfo[v].Label
}

func verdictMeaning(v Verdict, lang string) string {
	if lang == LangFR {
		return verdictFR[v][1]
	}
	return verdictInfo[v].Meaning
}

func reasonsIn(it *Item, lang string) []string {
	if lang == LangFR {
		if len(it.ReasonsFR) == len(it.Reasons) {
			return it.ReasonsFR
		}
		out := make([]string, len(it.Reasons))
		for i, r := range it.Reasons {
			out[i] = French(r)
		}
		return out
	}
	return it.Reasons
}

func normLang(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "fr") {
		return LangFR
	}
	return LangEN
}
