//! YAML input: parsing into a located tree, and typed deserialization from that tree.

pub(crate) mod de;
pub(crate) mod error;
pub(crate) mod tree;

pub(crate) use de::NodeDe;
pub(crate) use tree::{parse, Node};
