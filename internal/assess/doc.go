// Package assess turns a party's answers to a questionnaire and the facts
// Vigie measured about it into a risk assessment: a score per group, the
// evidence behind each point, and a plan of actions in priority order, in
// French and English.
//
// It is pure: no I/O, no clock (the caller passes now), plain
// JSON-serialisable structs (Questionnaire, Answers, Facts, Assessment), so
// the hub can store the inputs and recompute the same figures at any time,
// and the agency can show any party how its figures were obtained. The same
// rules apply to every party; nothing depends on who the party is.
//
// # Inputs
//
// The questionnaire (Current, version QuestionnaireVersion) has 41
// questions in six groups: accounts and identity, devices, mail and
// messaging, data and backups, people, response. They come from ANSSI's 42
// hygiene measures and the advice given to campaigns after 2016–2017. Each
// question has a stable id, a weight from 1 (useful) to 5 (essential), the
// attack it stops (Why, Threats), what to do (Action) and its Effort.
// Yes/no questions accept yes (credit 100), partly (50), no (0) and
// dontknow (0); choice questions list their options' credits. "Don't
// know" is an answer: it earns nothing, like no, but its action is "find
// out" rather than "do".
//
// Validate checks a new submission strictly (unknown ids, values out of
// range, repeats, wrong version: a ValidationError naming each field).
// Assess, given stored answers, never fails: answers it cannot use (a
// retired question, a value no longer offered, a repeat) are listed in
// Assessment.Ignored and the question counts as unanswered.
//
// Facts are measured, not declared: posture checks of the party's domains
// (pass 100, warn 50, fail 0; error is "could not tell" and not counted;
// with several domains the worst conclusive result counts), sensor coverage
// and indicator freshness, findings, and advisories.
//
// # Method (MethodVersion 2)
//
// Items. Every question is an item. Facts are items too:
//
//   - posture.<check> for mail.starttls (mail, weight 2), mail.tls (mail,
//     1), mail.mta-sts (mail, 1), web.https (accounts, 2), web.tls
//     (accounts, 1), web.hsts (accounts, 1), dns.dnssec (accounts, 1),
//     when measured. (Method 2 added mail.tls and web.tls, the TLS
//     versions and suites that mail.starttls and web.https rated before.) A check tied to a question
//     (mail.spf, mail.dkim, mail.dmarc to mail-antispoof) is not scored
//     again: it acts through the question.
//   - sensor.scan (devices, 2), sensor.dns (devices, 2), sensor.mail (mail,
//     2): the most recent report of a sensor of that kind; within 48 hours
//     100, within 14 days 50, else 0. Scored only when Facts.MeasuredAt is
//     set (otherwise an absent sensor cannot be told from absent data).
//     A sensor dated more than ClockSkew (1 hour) in the future is not
//     counted and is reported.
//   - sensor.indicators (response, 1): the oldest indicator pull among the
//     sensors seen within 14 days; within 48 hours 100, within 7 days 50,
//     else 0; not scored when no sensor is active.
//   - findings.lookalikes (accounts, 2): share of look-alike domains
//     reported or blocked; findings.sightings (response, 2): share of
//     detections triaged. Scored only when there is something to handle:
//     being attacked is not a fault, leaving it unhandled is. When the hub
//     does not record triage (Findings.TriageUnknown), findings.sightings
//     is not scored.
//   - advisories.acknowledged and advisories.actions (response, 2 each):
//     share of advisories acknowledged and of their actions done.
//
// Other posture checks (mail.mx, mail.tls-rpt, dns.ns, dns.caa,
// web.redirect, web.headers, web.security-txt) are reported by vigie
// posture but not scored by this method.
//
// Facts over answers. A question may be tied to posture checks with a
// mode. Replace: when at least one tied check is conclusive, the worst of
// them sets the credit whatever was declared (the party says its mail is
// protected, DMARC fails: credit 0, the evidence says "the measurement
// wins"); a dontknow or missing answer is answered by the measurement.
// Cap: the measurement can only lower the declared credit. When the
// tied checks are all errors or absent, the declared answer counts, and
// the evidence says so.
//
// Group score. score = round(Σ weight×credit / Σ weight) over the group's
// counted items, 0 to 100, halves rounded up. Each Evidence line gives the
// points the item brings (Earned) and costs (Lost), to 0.1, which add up to
// 100 within rounding. A group with no counted item is not Scored.
//
// Overall. The mean of the scored groups' scores, rounded; level good
// (≥80), fair (≥60), weak (≥40), poor (<40); the weakest group; how many
// questions are answered, unknown and corrected by measurement; the threats
// the findings show (Targeted) and what was found (Exposure).
//
// Plan. Every counted item below full credit gives an action:
//
//	risk reduced = weight × (100 − credit)            ("risk points")
//	             halved for a find-out action
//	cost         = time (minutes 1, hours 2, days 4)
//	             + money (none 0, low 1, some 3); find-out costs 1
//	priority     = risk reduced × 3/2 ÷ cost   if the action stops a threat
//	                                           the findings show
//	             = risk reduced ÷ cost          otherwise (integer division
//	                                           of risk×m by 2×cost, m = 3 or 2)
//
// Threats shown: phishing stopped (phishing, account takeover), sightings
// (malware, phishing), look-alike domains (impersonation, phishing), open
// leak cases (data theft). Actions are sorted by priority, highest first;
// ties by risk reduced (higher first), then cost (lower first), then group
// order, then item id, so the order is total and reproducible. The first
// TopActions (3) are flagged Top. Each action states its Gain: the group
// score points it adds when done (for find-out, if the answer turns out
// yes).
//
// On the hub. The hub (internal/hub, assess.go) fills Facts for a party
// from its own tables: the latest posture run of each declared domain (the
// hub's schedule); one Sensor per kind of sensor that reported with each of
// the party's sensor tokens, seen when the token was last used, with the
// token's last indicator pull (a token that never reported gives a Sensor
// without kind, which counts for indicator freshness only); over 90 days,
// the sightings that matched an indicator, the messages vigie mail judged
// phishing or malicious, the look-alike domains the watch found and how
// many of them are indicators the party's sensors block; the agency's
// published advisories the party received, acknowledged and acted on; the
// leak cases with items shared with the party whose statement is not yet
// published. The hub does not record the triage of sightings, so it sets
// Findings.TriageUnknown. It stores every submission of answers and every
// assessment with its facts, and recomputes one when it is older than an
// hour.
//
// Versions. Assessment carries SchemaVersion (the JSON model),
// MethodVersion (these rules), QuestionnaireVersion (the questions used)
// and AnswersVersion (the version the answers were given against). Any
// change to a weight, threshold or rule raises MethodVersion; question ids
// are never reused.
package assess
