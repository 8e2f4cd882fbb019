//! What a register line is made of: one weighing spelled out (read by `queries`, written out
//! by `lines`).

/// One weighing, with everything its register line is made of.
#[derive(Debug, Clone)]
pub struct Shipment {
    pub sensor_id: i32,
    pub ts_ms: i64,
    pub local_day: String,
    pub local_time: String,
    pub grams: i64,
    pub container_id: String,
    pub company_id: String,
    pub company_name: Option<String>,
    pub site_id: Option<String>,
    pub site_siret: Option<String>,
    pub site_address: Option<String>,
    pub stream_id: String,
    pub description: Option<String>,
    pub ewc: String,
    pub hazardous: bool,
    pub pop: bool,
    pub treatment: String,
    pub treatment_mode: Option<String>,
    pub destination_id: String,
    /// Set when the destination is an outside operator.
    pub operator: Option<(String, Option<String>, Option<String>)>,
    /// Set when the destination is a company of the zone: its name and active sites
    /// (SIRET, address).
    pub dest_company: Option<(String, Vec<(String, String)>)>,
    pub transporter_id: Option<String>,
    pub transporter: Option<Transporter>,
}

#[derive(Debug, Clone)]
pub struct Transporter {
    pub name: String,
    pub siret: String,
    pub address: String,
    pub receipt_number: Option<String>,
    pub receipt_valid_until: Option<String>,
    pub receipt_exempt: bool,
}
