//! A real browser for the HTML reports: Debian's headless Chromium (`chromium`, installed by
//! .ci/services.sh; `WASTEFLOW_TEST_CHROMIUM` names another binary). It renders a page to PNG,
//! prints it to PDF (A4), and serialises the DOM it parsed; [`figures`] reads the figures out of
//! that DOM and [`Picture`] the pixels out of a PNG.

use super::Scratch;
use std::path::Path;
use std::process::Command;

pub struct Browser {
    profile: Scratch,
}

impl Browser {
    /// A browser with a profile of its own, so that tests may run it side by side.
    pub fn new() -> Browser {
        Browser { profile: Scratch::dir("wf-chromium-") }
    }

    fn run(&self, args: &[String], page: &Path) -> std::process::Output {
        let binary = std::env::var("WASTEFLOW_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
        let out = Command::new(&binary)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars"])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .args(args)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap_or_else(|e| {
                panic!("{binary} (Debian package chromium, bash .ci/services.sh) must be installed: {e}")
            });
        assert!(out.status.success(), "{binary} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// The DOM as the browser parsed it, serialised.
    pub fn dom(&self, page: &Path) -> String {
        String::from_utf8_lossy(&self.run(&["--dump-dom".to_string()], page).stdout).into_owned()
    }

    /// The page's first `width` x `height` CSS pixels, as PNG.
    pub fn screenshot(&self, page: &Path, png: &Path, width: u32, height: u32) {
        self.run(&[format!("--screenshot={}", png.display()), format!("--window-size={width},{height}")], page);
        assert!(png.is_file(), "no screenshot at {}", png.display());
    }

    /// The page printed to PDF, as the print dialog would (the page's own A4 size and breaks).
    pub fn pdf(&self, page: &Path, pdf: &Path) -> Vec<u8> {
        self.run(&[format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer".to_string()], page);
        std::fs::read(pdf).expect("the printed PDF")
    }
}

/// The number of pages of a PDF (its page objects).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page").filter(|(i, _)| !text[i + 11..].starts_with('s')).count()
        + text.match_indices("/Type/Page").filter(|(i, _)| !text[i + 10..].starts_with('s')).count()
}

/// A figure of the page: the element's JSON pointer, its `data-value` if any, and its text.
#[derive(Debug)]
pub struct Figure {
    pub pointer: String,
    pub value: Option<String>,
    pub text: String,
}

/// Every element of a serialised DOM that carries a `data-json` pointer.
pub fn figures(dom: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    for (at, _) in dom.match_indices(" data-json=\"") {
        let start = dom[..at].rfind('<').expect("inside a tag");
        let end = at + dom[at..].find('>').expect("the tag ends");
        let tag = &dom[start..end];
        let attribute = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"').unwrap_or(rest.len())].to_string()
            })
        };
        let rest = &dom[end + 1..];
        out.push(Figure {
            pointer: attribute("data-json").unwrap_or_default(),
            value: attribute("data-value"),
            text: rest[..rest.find('<').unwrap_or(rest.len())].replace("&amp;", "&"),
        });
    }
    out
}

/// A decoded PNG's RGB pixels.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<[u8; 3]>,
}

impl Picture {
    pub fn read(path: &Path) -> Picture {
        let file = std::io::BufReader::new(std::fs::File::open(path).expect("the PNG"));
        let mut decoder = png::Decoder::new(file);
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("its size")];
        let info = reader.next_frame(&mut buf).expect("its pixels");
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| if channels >= 3 { [p[0], p[1], p[2]] } else { [p[0], p[0], p[0]] })
            .collect();
        Picture { width: info.width, height: info.height, rgb }
    }

    /// The share of pixels that are not (nearly) white.
    pub fn inked(&self) -> f64 {
        let ink = self.rgb.iter().filter(|p| p.iter().any(|c| *c < 235)).count();
        ink as f64 / self.rgb.len().max(1) as f64
    }

    /// How many pixels have exactly this colour (`#rrggbb`).
    pub fn count(&self, hex: &str) -> usize {
        let c = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("a colour");
        let want = [(c >> 16) as u8, (c >> 8) as u8, c as u8];
        self.rgb.iter().filter(|p| **p == want).count()
    }
}
