//! Full text (issue #7): an article page → its main text, without the
//! clutter outlets wrap around it.
//!
//! [`extract`] is pure: HTML in, [`Extracted`] out (paragraphs as plain text,
//! [`Extracted::html`] as sanitised HTML). It removes what can be told from
//! one page: everything outside the main container (dom_smoothie, a port of
//! Mozilla's Readability), clutter lines by their wording ("यह भी पढ़ें",
//! "Also read", related lists, comment boxes, share/follow/app prompts,
//! "Source link") and lines the page itself repeats. [`OutletLines`] removes
//! what takes several pages to see: lines on many of one outlet's pages.
//!
//! ```
//! use khabar::fulltext::{extract, OutletLines};
//! let page = "<html><body><article>\
//!     <p>उत्तर कोरिया के नेता किम जोंग उन ने पुतिन को संदेश भेजा और रूस के साथ खड़े रहने की बात कही।</p>\
//!     <p>यह भी पढ़ें: पुतिन-किम का असली प्लान क्या है?</p>\
//!     <p>Source link</p><p>Latest articles</p></article></body></html>";
//! let text = OutletLines::default().strip(extract(page, None));
//! assert_eq!(text.paragraphs().count(), 1);
//! ```

mod clutter;
mod extract;
mod fold;
mod outlet;

pub use extract::{extract, Extracted};
pub use outlet::{fingerprint, OutletLines, MIN_PAGES};
