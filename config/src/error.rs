//! Configuration errors: each names the file, line, column and key path of the setting at fault.

use std::fmt;

/// Where a problem is: the file, the line and column, and the key path of the setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The file as given, or what the text came from (`built-in default.yaml`, an environment variable).
    pub source: String,
    /// 1-based line; 0 when the setting was not written in `source` (it came from the environment).
    pub line: u64,
    /// 1-based column, in characters; 0 when `line` is.
    pub column: u64,
    /// The setting's key path, such as `service.pipelines.traces.exporters[1]`; empty for the document.
    pub path: String,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        Ok(())
    }
}

/// Why a configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read the configuration file: {error}")]
    Read {
        /// The file as given.
        path: String,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// An `${env:NAME}` reference that cannot be substituted.
    #[error("{at}: {message}")]
    Substitution {
        /// Where the reference is.
        at: Position,
        /// What is wrong and what to do.
        message: String,
    },
    /// The text is not valid YAML.
    #[error("{at}: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// Valid YAML that does not fit the schema: an unknown key, a wrong type, a bad duration, a
    /// missing required setting.
    #[error("{at}: {message}")]
    Schema {
        /// The setting at fault.
        at: Position,
        /// What is wrong and what to do.
        message: String,
    },
    /// Settings that fit the schema but do not make a working collector together.
    #[error("{at}: {message}")]
    Invalid {
        /// The setting at fault.
        at: Position,
        /// What is wrong and what to do.
        message: String,
    },
}

impl ConfigError {
    /// Where the problem is; `None` when the file could not be read at all.
    pub fn position(&self) -> Option<&Position> {
        match self {
            ConfigError::Read { .. } => None,
            ConfigError::Substitution { at, .. }
            | ConfigError::Syntax { at, .. }
            | ConfigError::Schema { at, .. }
            | ConfigError::Invalid { at, .. } => Some(at),
        }
    }
}

/// Every problem found in one configuration, in the order of the file; never empty.
#[derive(Debug)]
pub struct ConfigErrors {
    first: ConfigError,
    rest: Vec<ConfigError>,
}

impl ConfigErrors {
    /// The list of `first` followed by `rest`.
    pub(crate) fn new(first: ConfigError, rest: Vec<ConfigError>) -> ConfigErrors {
        ConfigErrors { first, rest }
    }

    /// The first problem, the one a caller that stops at one error reports.
    pub fn first(&self) -> &ConfigError {
        &self.first
    }

    /// Consumes the list, keeping the first problem.
    pub fn into_first(self) -> ConfigError {
        self.first
    }

    /// All problems, in the order of the file.
    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        std::iter::once(&self.first).chain(&self.rest)
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> ConfigErrors {
        ConfigErrors::new(error, Vec::new())
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
