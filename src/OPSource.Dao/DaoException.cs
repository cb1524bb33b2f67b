using OPSource.Platform.Errors;

namespace OPSource.Dao;

/// <summary>A refused DAO operation or an invalid DAO event (exit code 1 / HTTP 4xx; never a bug).</summary>
public sealed class DaoException : OpsourceException
{
    /// <summary>Creates the exception.</summary>
    public DaoException(ErrorCategory category, string code, string message)
        : base(category, code, message)
    {
    }

    /// <summary>Creates an invalid-input exception.</summary>
    public DaoException()
        : base(ErrorCategory.InvalidInput, "invalid_dao_request", "invalid DAO request")
    {
    }

    /// <summary>Creates an invalid-input exception.</summary>
    public DaoException(string message)
        : base(ErrorCategory.InvalidInput, "invalid_dao_request", message)
    {
    }

    /// <summary>Creates an invalid-input exception with its cause.</summary>
    public DaoException(string message, Exception innerException)
        : base(ErrorCategory.InvalidInput, "invalid_dao_request", message, innerException)
    {
    }

    internal static DaoException Malformed(string message) => new(ErrorCategory.InvalidInput, "malformed_dao_event", message);

    internal static DaoException Refused(string message) => new(ErrorCategory.Refused, "dao_rule_violated", message);

    internal static DaoException NotFound(string message) => new(ErrorCategory.NotFound, "dao_not_found", message);

    internal static DaoException Conflict(string message) => new(ErrorCategory.Conflict, "dao_conflict", message);

    internal static DaoException Unavailable(string message) => new(ErrorCategory.Unavailable, "dao_unavailable", message);
}
