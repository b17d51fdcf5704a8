//! Writes `$OUT_DIR/aws-roots.pem`: the roots of Mozilla's set (the `webpki-root-certs` crate)
//! that AWS endpoints chain to, as the PEM bundle the SDK's trust-store API takes, so that a cold
//! start neither reads certificate files nor encodes anything (see `src/sdk.rs`).

use base64::Engine as _;

/// Subject names (a part of each) of the roots kept: Amazon Trust Services' five (the roots AWS
/// recommends for custom trust stores) and DigiCert's (the CA of the endpoints that predate ATS).
pub const AWS_ROOT_NAMES: &[&str] = &[
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
    "DigiCert",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut pem = String::new();
    let mut kept = 0;
    for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let der = cert.as_ref();
        // A root's subject is its issuer: the name appears in the DER as its own bytes.
        let named = |name: &str| der.windows(name.len()).any(|w| w == name.as_bytes());
        if !AWS_ROOT_NAMES.iter().any(|n| named(n)) {
            continue;
        }
        kept += 1;
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in b64.encode(der).as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    // Every ATS root must be there (DigiCert has several).
    assert!(
        kept >= AWS_ROOT_NAMES.len(),
        "only {kept} AWS roots in webpki-root-certs"
    );
    let out =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("aws-roots.pem");
    std::fs::write(out, pem).expect("write aws-roots.pem");
    println!("cargo:rustc-env=AWS_ROOTS_COUNT={kept}");
}
