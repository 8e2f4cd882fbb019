//! The national register's import headers, written out independently of `src/` from the
//! same source, for the register tests.

/// The national format's outgoing headers, as Trackdéchets lists them
/// (MTES-MCT/trackdechets, libs/back/registry/src/outgoingWaste/constants.ts, commit
/// 779f59bf47dc94712a476946cb8c55873f7b690a).
pub fn national_outgoing_headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "Motif",
        "Identifiant unique",
        "SIRET du déclarant",
        "SIRET de l'expéditeur ou du détenteur",
        "Référence du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
        "Libellé de l'adresse du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
        "Code postal du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
        "Commune du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
        "Code pays du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
        "Dénomination du déchet",
        "Code déchet",
        "Code déchet Bâle",
        "POP",
        "Dangereux",
        "Date d'expédition",
        "Poids en tonnes",
        "Type de poids",
        "Volume en M3",
    ]
    .map(String::from)
    .to_vec();
    h.push("Type de producteur initial".into());
    for f in
        ["Numéro d'identification", "Raison sociale", "Libellé de l'adresse", "Code postal", "Commune", "Code pays"]
    {
        h.push(format!("{f} du producteur initial"));
    }
    h.push("Code(s) INSEE de(s) commune(s)".into());
    h.push("Type de destinataire".into());
    for f in
        ["Numéro d'identification", "Raison sociale", "Libellé de l'adresse", "Code postal", "Commune", "Code pays"]
    {
        h.push(format!("{f} du destinataire"));
    }
    h.push("Libellé de l'adresse de dépôt du destinataire".into());
    for f in ["Code postal", "Commune", "Code pays"] {
        h.push(format!("{f} du lieu de dépôt du destinataire"));
    }
    for f in [
        // The source writes these two with a no-break space (U+00A0), the second at its end.
        "Numéro de notification\u{a0}ou de déclaration GISTRID",
        "Numéro de mouvement",
        "Code de traitement prévu",
        "Mode de traitement prévu",
        "SIRET de l'éco-organisme",
        "Raison sociale de l’éco-organisme\u{a0}",
        "SIRET du courtier",
        "Raison sociale du courtier",
        "Numéro de récépissé du courtier",
        "SIRET du négociant",
        "Raison sociale du négociant",
        "Numéro de récépissé du négociant",
        "Approvisionnement direct (pipeline, convoyeur)",
    ] {
        h.push(f.into());
    }
    for n in 1..=5 {
        h.push(format!("Mode de transport du transporteur n°{n}"));
        h.push(format!("Type de transporteur n°{n}"));
        for f in
            ["Numéro d'identification", "Raison sociale", "Libellé de l'adresse", "Code postal", "Commune", "Code pays"]
        {
            h.push(format!("{f} du transporteur n°{n}"));
        }
        h.push(format!("Exemption de récépissé du transporteur n°{n}"));
        h.push(format!("Numéro de récépissé du transporteur n°{n}"));
    }
    h
}

/// The national format's incoming headers, as Trackdéchets lists them
/// (MTES-MCT/trackdechets, libs/back/registry/src/incomingWaste/constants.ts, commit
/// 779f59bf47dc94712a476946cb8c55873f7b690a).
pub fn national_incoming_headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "Motif",
        "Identifiant unique",
        "SIRET du déclarant",
        "SIRET du destinataire",
        "Dénomination du déchet",
        "Code déchet",
        "Code déchet Bâle",
        "POP",
        "Dangereux",
        "Date de réception",
        "Heure de pesée",
        "Poids en tonnes",
        "Type de poids",
        "Volume en M3",
        "Type de producteur initial",
    ]
    .map(String::from)
    .to_vec();
    let actor =
        ["Numéro d'identification", "Raison sociale", "Libellé de l'adresse", "Code postal", "Commune", "Code pays"];
    for f in actor {
        h.push(format!("{f} du producteur initial"));
    }
    h.push("Code(s) INSEE de(s) commune(s)".into());
    h.push("Type d'expéditeur ou de détenteur".into());
    for f in actor {
        h.push(format!("{f} de l'expéditeur ou du détenteur"));
    }
    h.push("Référence du chantier ou du lieu de collecte de l'expéditeur ou du détenteur".into());
    for f in ["Libellé de l'adresse", "Code postal", "Commune", "Code pays"] {
        h.push(format!("{f} du chantier ou du lieu de collecte de l'expéditeur ou du détenteur"));
    }
    for f in [
        "Numéro de notification ou de déclaration d'import",
        "Numéro de mouvement",
        "SIRET de l'éco-organisme",
        "Raison sociale de l'éco-organisme",
        "SIRET du courtier",
        "Raison sociale du courtier",
        "Numéro de récépissé du courtier",
        "SIRET du négociant",
        "Raison sociale du négociant",
        "Numéro de récépissé du négociant",
        "Code de traitement réalisé",
        "Mode de traitement",
        "Rupture de traçabilité autorisée",
        "Code de traitement ultérieur prévu",
        "Approvisionnement direct",
    ] {
        h.push(f.into());
    }
    for n in 1..=5 {
        h.push(format!("Mode de transport du transporteur n°{n}"));
        h.push(format!("Type de transporteur n°{n}"));
        for f in actor {
            h.push(format!("{f} du transporteur n°{n}"));
        }
        h.push(format!("Exemption de récépissé du transporteur n°{n}"));
        h.push(format!("Numéro de récépissé du transporteur n°{n}"));
    }
    h
}
