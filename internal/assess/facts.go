package assess

import "time"

// Facts are what Vigie measured about a party, as opposed to what the party
// declared. The hub fills them from its own tables; every field is optional
// and a zero value means "not measured", never "measured as bad".
type Facts struct {
	MeasuredAt time.Time      `json:"measured_at"`
	Posture    []PostureCheck `json:"posture,omitempty"`
	Sensors    []Sensor       `json:"sensors,omitempty"`
	Findings   Findings       `json:"findings"`
	Advisories []Advisory     `json:"advisories,omitempty"`
}

// The posture statuses, as internal/posture writes them.
const (
	StatusPass  = "pass"
	StatusWarn  = "warn"
	StatusFail  = "fail"
	StatusError = "error" // Vigie could not tell: not counted
)

// PostureCheck is one result of `vigie posture` on one of the party's
// declared domains: ID is the check id (mail.spf, mail.dmarc, mail.dkim,
// mail.mta-sts, mail.starttls, dns.dnssec, web.https, web.hsts, ...).
type PostureCheck struct {
	ID      string `json:"id"`
	Domain  string `json:"domain"`
	Status  string `json:"status"`
	Summary string `json:"summary,omitempty"`
}

// Sensor kinds.
const (
	SensorScan = "scan" // vigie scan: files on disks and shares
	SensorMail = "mail" // vigie mail: the milter in front of the mail server
	SensorDNS  = "dns"  // vigie dns: protective DNS
)

// Sensor is one sensor of the party as the hub last saw it.
// IndicatorsUpdated is when it last pulled indicators and rules.
type Sensor struct {
	Kind              string    `json:"kind"`
	Name              string    `json:"name"`
	LastSeen          time.Time `json:"last_seen"`
	IndicatorsUpdated time.Time `json:"indicators_updated"`
}

// Findings counts what the sensors and the agency found about the party over
// the assessment's window (the hub chooses it; 90 days is usual).
type Findings struct {
	Sightings         int `json:"sightings"`          // indicator hits reported by the party's sensors
	SightingsOpen     int `json:"sightings_open"`     // of which not yet triaged by the party
	PhishingStopped   int `json:"phishing_stopped"`   // messages blocked or flagged by vigie mail
	Lookalikes        int `json:"lookalikes"`         // look-alike domains registered against the party
	LookalikesHandled int `json:"lookalikes_handled"` // of which reported for take-down or blocked
	LeakCasesOpen     int `json:"leak_cases_open"`    // leak cases about the party still open
	// TriageUnknown says that the hub does not record which detections the
	// party triaged: SightingsOpen means nothing and findings.sightings is
	// not scored (the sightings still show the threats the party faces).
	TriageUnknown bool `json:"triage_unknown,omitempty"`
}

// Advisory is one advisory of the agency sent to the party: whether the
// party acknowledged it and how many of its actions it marked done.
type Advisory struct {
	ID           string `json:"id"`
	Acknowledged bool   `json:"acknowledged"`
	ActionsTotal int    `json:"actions_total"`
	ActionsDone  int    `json:"actions_done"`
}

// Freshness thresholds of the sensor facts.
const (
	SeenFresh       = 48 * time.Hour      // a sensor seen within this is reporting
	SeenStale       = 14 * 24 * time.Hour // within this, half credit; beyond, none
	IndicatorsFresh = 48 * time.Hour      // indicators pulled within this are current
	IndicatorsStale = 7 * 24 * time.Hour  // within this, half credit; beyond, none
)

// factRule is a measured fact scored as an item of its own.
type factRule struct {
	ID      string
	Group   GroupID
	Weight  int
	Title   Text
	Why     Text // why it matters and the attack it stops
	Action  Text
	Effort  Effort
	Threats []Threat
}

// factRules are the facts scored as items, in the order they are evaluated.
// Posture checks tied to a question (Question.Facts) act through that
// question and are not scored again here.
var factRules = []factRule{
	{"posture.mail.starttls", GroupMail, 2,
		Text{FR: "Chiffrement du courrier en transit (STARTTLS)", EN: "Mail encrypted in transit (STARTTLS)"},
		Text{FR: "Sans STARTTLS, le courrier vers le parti circule en clair et se lit sur le chemin.", EN: "Without STARTTLS, mail to the party travels in clear and can be read on the way."},
		Text{FR: "Faites activer STARTTLS avec un certificat valide sur les serveurs MX (demande à l'hébergeur).", EN: "Have STARTTLS with a valid certificate turned on at the MX servers (ask the provider)."},
		Effort{Hours, Free}, []Threat{ThreatDataTheft}},
	{"posture.mail.mta-sts", GroupMail, 1,
		Text{FR: "Politique MTA-STS contre l'interception du courrier", EN: "MTA-STS policy against mail interception"},
		Text{FR: "Sans MTA-STS, un attaquant sur le réseau peut retirer le chiffrement et lire ou détourner le courrier.", EN: "Without MTA-STS, an attacker on the network can strip encryption and read or divert mail."},
		Text{FR: "Publiez une politique MTA-STS (mode enforce) ; vigie posture donne les fichiers.", EN: "Publish an MTA-STS policy (enforce mode); vigie posture gives the files."},
		Effort{Hours, Free}, []Threat{ThreatDataTheft}},
	{"posture.mail.tls", GroupMail, 1,
		Text{FR: "Chiffrement solide sur les serveurs de courrier (versions et suites TLS)", EN: "Strong encryption at the mail servers (TLS versions and suites)"},
		Text{FR: "Un serveur MX qui accepte encore TLS 1.0, RC4 ou 3DES laisse un attaquant sur le chemin affaiblir le chiffrement du courrier.", EN: "An MX that still accepts TLS 1.0, RC4 or 3DES lets an attacker on the path weaken the encryption of mail."},
		Text{FR: "Limitez les serveurs MX à TLS 1.2 et 1.3 avec les suites recommandées ; vigie posture donne les réglages Postfix.", EN: "Restrict the MX servers to TLS 1.2 and 1.3 with the recommended suites; vigie posture gives the Postfix settings."},
		Effort{Hours, Free}, []Threat{ThreatDataTheft}},
	{"posture.web.https", GroupAccounts, 2,
		Text{FR: "Site web en HTTPS seulement", EN: "Web site on HTTPS only"},
		Text{FR: "Un site sans HTTPS peut être modifié en chemin : faux appel aux dons, fausse page de connexion.", EN: "A site without HTTPS can be altered on the way: a fake donation call, a fake login page."},
		Text{FR: "Servez le site en HTTPS avec un certificat valide et redirigez HTTP vers HTTPS.", EN: "Serve the site over HTTPS with a valid certificate and redirect HTTP to HTTPS."},
		Effort{Hours, Free}, []Threat{ThreatImpersonation}},
	{"posture.web.hsts", GroupAccounts, 1,
		Text{FR: "En-tête HSTS du site web", EN: "HSTS header on the web site"},
		Text{FR: "Sans HSTS, la première visite peut être ramenée en HTTP et détournée.", EN: "Without HSTS, the first visit can be downgraded to HTTP and hijacked."},
		Text{FR: "Ajoutez l'en-tête Strict-Transport-Security (max-age d'au moins un an).", EN: "Add the Strict-Transport-Security header (max-age of at least a year)."},
		Effort{Minutes, Free}, []Threat{ThreatImpersonation}},
	{"posture.web.tls", GroupAccounts, 1,
		Text{FR: "Chiffrement solide sur le site web (versions et suites TLS)", EN: "Strong encryption on the web site (TLS versions and suites)"},
		Text{FR: "Un site qui accepte encore TLS 1.0 ou des suites faibles peut être lu ou modifié par un attaquant sur le chemin.", EN: "A site that still accepts TLS 1.0 or weak suites can be read or altered by an attacker on the path."},
		Text{FR: "Limitez le serveur web à TLS 1.2 et 1.3 avec les suites recommandées ; vigie posture donne les lignes nginx et Apache.", EN: "Restrict the web server to TLS 1.2 and 1.3 with the recommended suites; vigie posture gives the nginx and Apache lines."},
		Effort{Hours, Free}, []Threat{ThreatImpersonation}},
	{"posture.dns.dnssec", GroupAccounts, 1,
		Text{FR: "Signature DNSSEC du domaine", EN: "DNSSEC signature of the domain"},
		Text{FR: "Sans DNSSEC, une réponse DNS falsifiée peut envoyer les visiteurs et le courrier ailleurs.", EN: "Without DNSSEC, a forged DNS answer can send visitors and mail elsewhere."},
		Text{FR: "Activez DNSSEC chez le bureau d'enregistrement (souvent une case à cocher).", EN: "Turn on DNSSEC at the registrar (often one checkbox)."},
		Effort{Minutes, Free}, []Threat{ThreatImpersonation}},
	{"sensor.scan", GroupDevices, 2,
		Text{FR: "Analyse des postes par vigie scan", EN: "Devices checked by vigie scan"},
		Text{FR: "vigie scan trouve sur les postes les logiciels espions et documents piégés connus de l'agence.", EN: "vigie scan finds on computers the spyware and trapped documents the agency knows about."},
		Text{FR: "Lancez vigie scan sur les postes de l'équipe, chaque semaine, relié au hub.", EN: "Run vigie scan on the team's computers every week, connected to the hub."},
		Effort{Hours, Free}, []Threat{ThreatMalware}},
	{"sensor.dns", GroupDevices, 2,
		Text{FR: "DNS protecteur vigie dns", EN: "Protective DNS (vigie dns)"},
		Text{FR: "vigie dns empêche d'atteindre les domaines d'hameçonnage et de commande connus, même après un clic.", EN: "vigie dns stops devices reaching known phishing and command domains, even after a click."},
		Text{FR: "Faites passer le DNS de la permanence et des postes par vigie dns.", EN: "Route the DNS of the office and the computers through vigie dns."},
		Effort{Hours, Free}, []Threat{ThreatPhishing, ThreatMalware}},
	{"sensor.mail", GroupMail, 2,
		Text{FR: "Filtrage du courrier par vigie mail", EN: "Mail filtered by vigie mail"},
		Text{FR: "vigie mail arrête l'hameçonnage ciblé et les pièces jointes piégées avant la boîte de réception.", EN: "vigie mail stops spear-phishing and trapped attachments before the inbox."},
		Text{FR: "Installez vigie mail (milter) devant la messagerie, ou branchez son analyse sur la boîte partagée.", EN: "Put vigie mail (milter) in front of the mail server, or point its analysis at the shared mailbox."},
		Effort{Days, Free}, []Threat{ThreatPhishing, ThreatMalware}},
	{"sensor.indicators", GroupResponse, 1,
		Text{FR: "Indicateurs et règles des capteurs à jour", EN: "Sensors' indicators and rules up to date"},
		Text{FR: "Un capteur aux indicateurs périmés ne reconnaît pas la campagne d'attaque en cours.", EN: "A sensor with stale indicators does not recognise the attack campaign under way."},
		Text{FR: "Vérifiez que chaque capteur récupère les indicateurs du hub (tâche planifiée, jeton valide).", EN: "Check that every sensor pulls indicators from the hub (scheduled task, valid token)."},
		Effort{Minutes, Free}, []Threat{ThreatPhishing, ThreatMalware}},
	{"findings.lookalikes", GroupAccounts, 2,
		Text{FR: "Domaines sosies signalés ou bloqués", EN: "Look-alike domains reported or blocked"},
		Text{FR: "Un domaine sosie sert à envoyer de faux courriels au nom du parti ou à héberger une fausse page.", EN: "A look-alike domain is used to send fake mail in the party's name or to host a fake page."},
		Text{FR: "Signalez chaque domaine sosie au bureau d'enregistrement et à l'agence, et bloquez-le dans vigie dns.", EN: "Report each look-alike domain to its registrar and the agency, and block it in vigie dns."},
		Effort{Hours, Free}, []Threat{ThreatImpersonation, ThreatPhishing}},
	{"findings.sightings", GroupResponse, 2,
		Text{FR: "Détections des capteurs examinées", EN: "Sensor detections triaged"},
		Text{FR: "Une détection non examinée peut être un poste compromis qui continue de fuir.", EN: "An untriaged detection may be a compromised device that keeps leaking."},
		Text{FR: "Examinez chaque détection ouverte sur le hub : nettoyer le poste, changer les mots de passe, prévenir l'agence.", EN: "Triage each open detection on the hub: clean the device, change passwords, tell the agency."},
		Effort{Hours, Free}, []Threat{ThreatMalware, ThreatTakeover}},
	{"advisories.acknowledged", GroupResponse, 2,
		Text{FR: "Avis de l'agence pris en compte", EN: "Agency advisories acknowledged"},
		Text{FR: "Les avis de l'agence décrivent les attaques en cours contre les partis.", EN: "The agency's advisories describe the attacks under way against parties."},
		Text{FR: "Lisez et accusez réception des avis de l'agence en attente.", EN: "Read and acknowledge the agency's pending advisories."},
		Effort{Minutes, Free}, []Threat{ThreatPhishing, ThreatMalware}},
	{"advisories.actions", GroupResponse, 2,
		Text{FR: "Actions demandées par les avis de l'agence faites", EN: "Actions asked by agency advisories done"},
		Text{FR: "Les actions des avis ferment les portes que les attaquants du moment utilisent.", EN: "The advisories' actions close the doors the current attackers use."},
		Text{FR: "Faites les actions restantes des avis de l'agence et marquez-les faites.", EN: "Do the remaining actions of the agency's advisories and mark them done."},
		Effort{Hours, Free}, []Threat{ThreatPhishing, ThreatMalware}},
}

// FactRule describes a measured fact scored as an item of its own, for
// the method page: its id, group, weight and what it measures.
type FactRule struct {
	ID     string  `json:"id"`
	Group  GroupID `json:"group"`
	Weight int     `json:"weight"`
	Title  Text    `json:"title"`
	Why    Text    `json:"why"`
}

// FactRules lists the facts scored on their own, in evaluation order.
func FactRules() []FactRule {
	out := make([]FactRule, len(factRules))
	for i, r := range factRules {
		out[i] = FactRule{ID: r.ID, Group: r.Group, Weight: r.Weight, Title: r.Title, Why: r.Why}
	}
	return out
}
