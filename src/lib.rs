//! Pledger: a local ledger of partners and the agreements signed with them, the import of
//! consultants' workbooks, and the figures of the quarterly advisory-group report.
//!
//! Layers point one way: `cli` -> `import`/`export` -> `report`/`chart` -> `ledger` -> `domain`.

pub mod chart;
pub mod cli;
pub mod domain;
pub mod export;
pub mod files;
pub mod import;
pub mod ledger;
pub mod report;
pub mod ui;
