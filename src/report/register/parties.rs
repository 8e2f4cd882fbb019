//! The parties of a line: the destination (outgoing), the sender (incoming) and the carrier,
//! with their addresses split into the format's four columns, or the registry field to fill.

use super::builder::{oui, Builder};
use super::shipment::{Shipment, Transporter};
use crate::zone::split_address;

/// Writes an address's four columns, or names the field to fill.
pub(super) fn address(b: &mut Builder, address: Option<&str>, field: &str, cols: [&str; 4]) {
    match address.map(split_address) {
        None => b.miss(field.to_string()),
        Some(Err(why)) => b.miss(format!("{field} ({why})")),
        Some(Ok(a)) => {
            b.set(cols[0], a.label);
            b.set(cols[1], a.postcode);
            b.set(cols[2], a.town);
            b.set(cols[3], "FR");
        }
    }
}

/// The outgoing line's destination: an outside operator, or a company of the zone's one site.
pub(super) fn destination(b: &mut Builder, s: &Shipment) {
    const COLS: [&str; 4] = [
        "Libellé de l'adresse du destinataire",
        "Code postal du destinataire",
        "Commune du destinataire",
        "Code pays du destinataire",
    ];
    b.set("Type de destinataire", "ETABLISSEMENT_FR");
    if let Some((name, siret, addr)) = &s.operator {
        let entry = format!("operator {:?}", s.destination_id);
        b.set("Raison sociale du destinataire", name.clone());
        match siret {
            Some(x) => b.set("Numéro d'identification du destinataire", x.clone()),
            None => b.miss(format!("{entry}: siret")),
        }
        address(b, addr.as_deref(), &format!("{entry}: address"), COLS);
    } else if let Some((name, sites)) = &s.dest_company {
        let entry = format!("company {:?}", s.destination_id);
        b.set("Raison sociale du destinataire", name.clone());
        match sites.as_slice() {
            [(siret, addr)] => {
                b.set("Numéro d'identification du destinataire", siret.clone());
                address(b, Some(addr), &format!("{entry}: its site's address"), COLS);
            }
            [] => b.miss(format!("{entry}: no site; add a [[sites]] entry (siret, address) where it receives")),
            _ => b.miss(format!(
                "{entry}: {} sites; the registry cannot tell which receives (name the operator plant as an operator)",
                sites.len()
            )),
        }
    } else {
        b.miss(format!("container {:?}: destination {:?} is not in the registry", s.container_id, s.destination_id));
    }
}

/// The incoming line's sender: the producing site ("expéditeur ou détenteur").
pub(super) fn sender(b: &mut Builder, s: &Shipment) {
    let site = format!("site {:?}", s.site_id.as_deref().unwrap_or("?"));
    b.set("Type d'expéditeur ou de détenteur", "ETABLISSEMENT_FR");
    match &s.site_siret {
        Some(x) => b.set("Numéro d'identification de l'expéditeur ou du détenteur", x.clone()),
        None => b.miss(format!("{site}: siret")),
    }
    match &s.company_name {
        Some(n) => b.set("Raison sociale de l'expéditeur ou du détenteur", n.clone()),
        None => b.miss(format!("company {:?}: name", s.company_id)),
    }
    address(
        b,
        s.site_address.as_deref(),
        &format!("{site}: address"),
        [
            "Libellé de l'adresse de l'expéditeur ou du détenteur",
            "Code postal de l'expéditeur ou du détenteur",
            "Commune de l'expéditeur ou du détenteur",
            "Code pays de l'expéditeur ou du détenteur",
        ],
    );
}

/// Transporter n°1, or direct supply when the waste never goes on the road. The import refuses
/// a line with neither (`refineTransportersConsistency`, `libs/back/registry/src/shared/
/// refinement.ts`): a plant treating its own waste on its one site says direct supply (the
/// waste moves on the site by conveyor or loader), and carries no transporter.
pub(super) fn transporter(b: &mut Builder, s: &Shipment, direct_supply_col: &str) {
    if s.on_site() {
        b.set(direct_supply_col, "OUI");
        return;
    }
    let container = format!("container {:?}", s.container_id);
    let Some(id) = &s.transporter_id else {
        b.miss(format!("{container}: transporter"));
        return;
    };
    let entry = format!("transporter {id:?}");
    let Some(Transporter { name, siret, address: addr, receipt_number, receipt_valid_until, receipt_exempt }) =
        &s.transporter
    else {
        b.miss(format!("{entry}: not in the registry ([[transporters]])"));
        return;
    };
    b.set("Mode de transport du transporteur n°1", "ROUTE");
    b.set("Type de transporteur n°1", "ETABLISSEMENT_FR");
    b.set("Numéro d'identification du transporteur n°1", siret.clone());
    b.set("Raison sociale du transporteur n°1", name.clone());
    address(
        b,
        Some(addr),
        &format!("{entry}: address"),
        [
            "Libellé de l'adresse du transporteur n°1",
            "Code postal du transporteur n°1",
            "Commune du transporteur n°1",
            "Code pays du transporteur n°1",
        ],
    );
    b.set("Exemption de récépissé du transporteur n°1", oui(*receipt_exempt));
    if !receipt_exempt {
        match receipt_number {
            Some(n) => b.set("Numéro de récépissé du transporteur n°1", n.clone()),
            None => b.miss(format!("{entry}: receipt_number")),
        }
        if let Some(until) = receipt_valid_until.filter(|until| *until < s.local_day) {
            b.miss(format!("{entry}: receipt_valid_until (expired on {until}, shipment on {})", s.local_day));
        }
    }
}
