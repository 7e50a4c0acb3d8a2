//! The printable sheet of member cards: one HTML file, QR images inline, for
//! members without a smartphone. Print it, cut along the lines.

use std::fmt::Write;

use anyhow::Context;

use crate::html::escape;
use crate::store::Member;

/// An HTML page of cards: the center's name, the display name (never the full
/// name), the member number and the card QR code.
pub fn sheet(center_name: &str, cards: &[(Member, String)]) -> anyhow::Result<String> {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <title>会员卡 Member cards</title><style>\
         body{font-family:'Noto Sans CJK SC',sans-serif;margin:10mm}\
         .card{display:inline-block;width:85mm;height:54mm;box-sizing:border-box;\
         border:1px dashed #999;padding:4mm;margin:0 2mm 4mm 0;vertical-align:top;\
         page-break-inside:avoid}\
         .card img{float:right;width:40mm;height:40mm;image-rendering:pixelated}\
         .center{color:#c8102e;font-weight:700;font-size:11pt}\
         .name{font-size:16pt;font-weight:700;margin-top:6mm}\
         .number{font-size:10pt;color:#555;margin-top:2mm}\
         .hint{font-size:7pt;color:#777;margin-top:6mm}</style></head><body>\n",
    );
    for (m, token) in cards {
        let (_, img) = crate::qr::image(token)?;
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .context("cannot encode a QR image")?;
        writeln!(
            html,
            "<div class=\"card\"><img alt=\"QR\" src=\"data:image/png;base64,{}\">\
             <div class=\"center\">{}</div><div class=\"name\">{}</div>\
             <div class=\"number\">会员号 No. {}</div>\
             <div class=\"hint\">签到时请扫描二维码 · Scan at the kiosk to check in</div></div>",
            data_encoding::BASE64.encode(&png),
            escape(center_name),
            escape(&m.display_name),
            m.id
        )?;
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_shows_display_names_escaped_and_never_full_names() {
        let m = Member {
            id: 10_000_001,
            center_id: 1,
            full_name: "林小雨".into(),
            display_name: "<林同学>".into(),
            active: true,
            volunteer: false,
            phone: None,
            birth_year: None,
            self_joined: false,
            unconfirmed: false,
            merged_into: None,
        };
        let html = sheet("青年之家 & 朋友", &[(m, "YC2ABC".into())]).expect("sheet");
        assert!(html.contains("&lt;林同学&gt;"));
        assert!(html.contains("青年之家 &amp; 朋友"));
        assert!(!html.contains("林小雨"));
        assert!(html.contains("data:image/png;base64,"));
    }
}
