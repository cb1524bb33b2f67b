using OPSource.Platform.Errors;

namespace OPSource.Layers.Stacks;

/// <summary>
/// A Stacks input or protocol error: one line naming the problem. <see cref="Code"/> is the typed kind
/// (snake_case) the CLI and REST surfaces report.
/// </summary>
public sealed class StacksException : OpsourceException
{
    /// <summary>Creates the error (category invalid input unless stated).</summary>
    public StacksException(string code, string message, ErrorCategory category = ErrorCategory.InvalidInput)
        : base(category, code, message)
    {
        Code = code;
    }

    /// <summary>The typed kind, e.g. <c>stacks_address_checksum</c>.</summary>
    public string Code { get; }
}
