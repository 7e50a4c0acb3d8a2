//! 上墙公布 on paper: a center's month as an A4 poster (PDF) for the notice
//! board, the same figures as the kiosks' wall slide.
//!
//! The PDF is written directly: one page, text in the kiosk's own font
//! (Noto Sans SC cut to GB2312, an OpenType/CFF font embedded whole as
//! `FontFile3`, so every reader shows the same glyphs), addressed by CID
//! through `Identity-H`, with a `ToUnicode` map so the text can be copied
//! and read aloud.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use protocol::wall::WallMonth;

/// The font the poster is set in (the kiosk's).
const FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular-GB2312.otf");

/// A4 in points.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;

/// The font's glyphs for text: CIDs, widths, and what each stands for.
struct Font<'a> {
    face: ttf_parser::Face<'a>,
    /// CID → (advance in 1/1000 em, the text it stands for).
    used: BTreeMap<u16, (u16, char)>,
}

impl<'a> Font<'a> {
    fn new(data: &'a [u8]) -> anyhow::Result<Font<'a>> {
        Ok(Font {
            face: ttf_parser::Face::parse(data, 0).context("the poster's font cannot be read")?,
            used: BTreeMap::new(),
        })
    }

    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    /// The text as a hex string of CIDs, and its width at `size` points.
    /// A character the font lacks is left out.
    fn encode(&mut self, text: &str, size: f32) -> (String, f32) {
        let mut hex = String::new();
        let mut width = 0.0;
        for c in text.chars() {
            let Some(gid) = self.face.glyph_index(c) else {
                continue;
            };
            // Readers map Identity-H codes straight to the embedded
            // OpenType font's glyph ids.
            let cid = gid.0;
            let advance = self.face.glyph_hor_advance(gid).unwrap_or(0);
            let w = (f32::from(advance) * 1000.0 / self.units()).round() as u16;
            self.used.insert(cid, (w, c));
            width += f32::from(w) * size / 1000.0;
            hex.push_str(&format!("{cid:04X}"));
        }
        (hex, width)
    }

    /// Wraps `text` into lines no wider than `max` points at `size`.
    fn wrap(&mut self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for c in text.chars() {
            let mut next = line.clone();
            next.push(c);
            if self.encode(&next, size).1 > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = next;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// The page's drawing operators.
struct Page<'f, 'a> {
    font: &'f mut Font<'a>,
    ops: String,
}

impl Page<'_, '_> {
    fn text(&mut self, text: &str, size: f32, y: f32, rgb: (f32, f32, f32), center: bool) {
        let (hex, width) = self.font.encode(text, size);
        let x = if center {
            (WIDTH - width) / 2.0
        } else {
            MARGIN
        };
        self.ops.push_str(&format!(
            "{:.3} {:.3} {:.3} rg BT /F1 {size:.1} Tf 1 0 0 1 {x:.2} {y:.2} Tm <{hex}> Tj ET\n",
            rgb.0, rgb.1, rgb.2
        ));
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        self.ops.push_str(&format!(
            "{:.3} {:.3} {:.3} rg {x:.2} {y:.2} {w:.2} {h:.2} re f\n",
            rgb.0, rgb.1, rgb.2
        ));
    }
}

const RED: (f32, f32, f32) = (0.784, 0.063, 0.180);
const INK: (f32, f32, f32) = (0.12, 0.12, 0.12);
const MUTED: (f32, f32, f32) = (0.35, 0.35, 0.35);
const WHITE: (f32, f32, f32) = (1.0, 1.0, 1.0);

/// The poster of a center's month, as PDF bytes.
pub fn month_pdf(center: &str, m: &WallMonth) -> anyhow::Result<Vec<u8>> {
    let mut font = Font::new(FONT)?;
    let mut page = Page {
        font: &mut font,
        ops: String::new(),
    };
    let (year, month) = m.month.split_once('-').unwrap_or((&m.month, ""));
    let day = m.as_of.rsplit('-').next().unwrap_or_default();
    // The band, the center and the month.
    page.rect(0.0, HEIGHT - 170.0, WIDTH, 170.0, RED);
    page.text(center, 30.0, HEIGHT - 80.0, WHITE, true);
    page.text(
        &format!(
            "本月公示 · {year}年{}月（截至{}日）",
            month.trim_start_matches('0'),
            day.trim_start_matches('0')
        ),
        18.0,
        HEIGHT - 125.0,
        WHITE,
        true,
    );
    // The figures, largest first.
    let mut y = HEIGHT - 250.0;
    page.text(&format!("到访 {} 人次", m.visits), 44.0, y, INK, true);
    y -= 80.0;
    let mut rows = vec![
        format!(
            "举办活动 {} 次，参加 {} 人次",
            m.activities, m.participant_visits
        ),
        match m.satisfaction_percent() {
            Some(p) => format!("满意率 {p}%（{} 条评价）", m.ratings),
            None => "本月还没有评价".to_string(),
        },
        format!(
            "志愿者 {} 名，服务 {:.1} 小时",
            m.volunteers,
            m.volunteer_minutes as f64 / 60.0
        ),
    ];
    if m.yardsticks_judged > 0 {
        rows.push(format!(
            "数据指标达标 {}/{}",
            m.yardsticks_met, m.yardsticks_judged
        ));
    }
    for row in rows {
        page.text(&row, 24.0, y, INK, true);
        y -= 50.0;
    }
    if !m.volunteer_names.is_empty() {
        y -= 10.0;
        let thanks = format!("感谢志愿者：{}", m.volunteer_names.join("、"));
        for line in page.font.wrap(&thanks, 18.0, WIDTH - 2.0 * MARGIN) {
            page.text(&line, 18.0, y, RED, true);
            y -= 28.0;
        }
    }
    page.text(
        &format!("数据来自青年之家数据平台，截至 {}。", m.as_of),
        11.0,
        MARGIN,
        MUTED,
        true,
    );
    let ops = std::mem::take(&mut page.ops);
    write_pdf(&font, &ops, center)
}

fn deflate(data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data)?;
    Ok(z.finish()?)
}

/// A PDF string in UTF-16BE with its byte-order mark, hex-written.
fn pdf_text(s: &str) -> String {
    let mut hex = String::from("<FEFF");
    for u in s.encode_utf16() {
        hex.push_str(&format!("{u:04X}"));
    }
    hex.push('>');
    hex
}

fn write_pdf(font: &Font<'_>, ops: &str, title: &str) -> anyhow::Result<Vec<u8>> {
    let content = deflate(ops.as_bytes())?;
    let font_file = deflate(FONT)?;
    let widths: String = font
        .used
        .iter()
        .map(|(cid, (w, _))| format!("{cid} [{w}]"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    let pairs: Vec<_> = font.used.iter().collect();
    for chunk in pairs.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (cid, (_, c)) in chunk {
            let mut utf16 = String::new();
            for u in c.encode_utf16(&mut [0; 2]) {
                utf16.push_str(&format!("{u:04X}"));
            }
            cmap.push_str(&format!("<{cid:04X}> <{utf16}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
    let cmap = deflate(cmap.as_bytes())?;
    let face = &font.face;
    let scale = 1000.0 / font.units();
    let bbox = face.global_bounding_box();
    let ascent = (f32::from(face.ascender()) * scale).round();
    let descent = (f32::from(face.descender()) * scale).round();
    let cap = (f32::from(face.capital_height().unwrap_or(face.ascender())) * scale).round();

    let mut objects: Vec<Vec<u8>> = Vec::new();
    let stream = |dict: String, data: &[u8]| -> Vec<u8> {
        let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        o.extend_from_slice(data);
        o.extend_from_slice(b"\nendstream");
        o
    };
    // 1 catalog, 2 pages, 3 page, 4 contents, 5 font, 6 CID font,
    // 7 descriptor, 8 font file, 9 ToUnicode, 10 info.
    objects.push(b"<< /Type /Catalog /Pages 2 0 R /Lang (zh-CN) >>".to_vec());
    objects.push(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] \
             /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        )
        .into_bytes(),
    );
    objects.push(stream("/Filter /FlateDecode".into(), &content));
    objects.push(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansSC-Regular /Encoding /Identity-H \
          /DescendantFonts [6 0 R] /ToUnicode 9 0 R >>"
            .to_vec(),
    );
    objects.push(
        format!(
            "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /NotoSansSC-Regular \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor 7 0 R /DW 1000 /W [{widths}] >>"
        )
        .into_bytes(),
    );
    objects.push(
        format!(
            "<< /Type /FontDescriptor /FontName /NotoSansSC-Regular /Flags 4 \
             /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {ascent} /Descent {descent} \
             /CapHeight {cap} /StemV 80 /FontFile3 8 0 R >>",
            (f32::from(bbox.x_min) * scale).round(),
            (f32::from(bbox.y_min) * scale).round(),
            (f32::from(bbox.x_max) * scale).round(),
            (f32::from(bbox.y_max) * scale).round(),
        )
        .into_bytes(),
    );
    objects.push(stream(
        "/Subtype /OpenType /Filter /FlateDecode".into(),
        &font_file,
    ));
    objects.push(stream("/Filter /FlateDecode".into(), &cmap));
    objects.push(
        format!(
            "<< /Title {} /Producer (youth-hub) >>",
            pdf_text(&format!("{title} 本月公示"))
        )
        .into_bytes(),
    );

    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1,
            objects.len()
        )
        .as_bytes(),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read back by poppler (Debian's poppler-utils, installed by
    /// scripts/setup-debian.sh): the page as a picture, and its text.
    #[test]
    fn the_poster_is_an_a4_page_poppler_draws_and_reads_back() {
        let m = WallMonth {
            month: "2026-11".into(),
            as_of: "2026-11-24".into(),
            visits: 420,
            activities: 6,
            participant_visits: 85,
            ratings: 25,
            satisfied: 23,
            volunteers: 4,
            volunteer_minutes: 750,
            yardsticks_met: 3,
            yardsticks_judged: 4,
            volunteer_names: vec!["林同学".into(), "王同学".into()],
        };
        let pdf = month_pdf("城东街道青年之家", &m).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-1.7"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("hub-poster.pdf");
        std::fs::write(&file, &pdf).expect("write");
        let text = std::process::Command::new("pdftotext")
            .args(["-layout"])
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (Debian's poppler-utils)");
        assert!(
            text.status.success(),
            "{}",
            String::from_utf8_lossy(&text.stderr)
        );
        let text = String::from_utf8_lossy(&text.stdout);
        for said in [
            "城东街道青年之家",
            "到访 420 人次",
            "满意率 92%（25 条评价）",
            "感谢志愿者：林同学、王同学",
            "数据指标达标 3/4",
        ] {
            assert!(text.contains(said), "{said:?} in {text}");
        }
        let png = std::process::Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-singlefile"])
            .arg(&file)
            .arg(dir.join("hub-poster"))
            .output()
            .expect("pdftoppm (Debian's poppler-utils)");
        assert!(
            png.status.success(),
            "{}",
            String::from_utf8_lossy(&png.stderr)
        );
        assert!(
            String::from_utf8_lossy(&png.stderr).trim().is_empty(),
            "poppler complained: {}",
            String::from_utf8_lossy(&png.stderr)
        );
        let shot = image::open(dir.join("hub-poster.png")).expect("png");
        // A4 at 60 dpi: 8.27 × 11.69 inches.
        assert_eq!((shot.width(), shot.height()), (497, 702));
    }
}
