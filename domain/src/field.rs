//! Which part of a request a refusal is about, in the request's own field names.
//!
//! Rules and storage name the field; only the HTTP layer writes it as a JSON pointer (and puts a
//! batch item's place in front), so no layer below it knows the pointer syntax.

use std::fmt;

/// One step down into a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A named member of an object.
    Name(&'static str),
    /// An element of a list, by position from 0.
    Index(usize),
    /// A member whose name is data, such as an id or a predicate.
    Key(String),
}

/// The path to the refused field; the empty path is the request as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field(Vec<Step>);

impl Field {
    /// The request as a whole, for a refusal no single field carries.
    pub fn whole() -> Self {
        Field(Vec::new())
    }

    /// A top-level member.
    pub fn named(name: &'static str) -> Self {
        Field(vec![Step::Name(name)])
    }

    /// A named member below this one.
    pub fn then(mut self, name: &'static str) -> Self {
        self.0.push(Step::Name(name));
        self
    }

    /// An element of the list this one names.
    pub fn at(mut self, index: usize) -> Self {
        self.0.push(Step::Index(index));
        self
    }

    /// A member, named by data, of the map this one names.
    pub fn key(mut self, key: impl fmt::Display) -> Self {
        self.0.push(Step::Key(key.to_string()));
        self
    }

    /// This field as seen from a larger request that holds this one at `outer` (a batch item's
    /// field, from the batch).
    pub fn within(self, outer: Field) -> Self {
        let mut steps = outer.0;
        steps.extend(self.0);
        Field(steps)
    }

    /// The steps from the top of the request down.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// The name of the last step, if it is a name (a CSV column, say).
    pub fn last_name(&self) -> Option<&str> {
        match self.0.last() {
            Some(Step::Name(n)) => Some(n),
            Some(Step::Key(k)) => Some(k),
            _ => None,
        }
    }
}

/// The steps joined by `/` (`indicators/b7/targets`), for a log or the audit trail; empty for
/// the whole request.
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            match step {
                Step::Name(n) => f.write_str(n)?,
                Step::Index(i) => write!(f, "{i}")?,
                Step::Key(k) => f.write_str(k)?,
            }
        }
        Ok(())
    }
}

impl From<&'static str> for Field {
    fn from(name: &'static str) -> Self {
        Field::named(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_built_step_by_step() {
        let f = Field::named("indicators").key("b7").then("targets").at(3);
        assert_eq!(
            f.steps(),
            [Step::Name("indicators"), Step::Key("b7".into()), Step::Name("targets"), Step::Index(3)]
        );
        assert_eq!(f.last_name(), None);
        assert_eq!(f.to_string(), "indicators/b7/targets/3");
        assert_eq!(Field::from("nip").last_name(), Some("nip"));
        assert!(Field::whole().steps().is_empty());
        assert_eq!(Field::from("nip").within(Field::named("events").at(2)).to_string(), "events/2/nip");
        assert_eq!(Field::whole().within(Field::named("items").at(0)).to_string(), "items/0");
    }
}
