using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Platform.Errors;
using OPSource.Platform.Funding;
using OPSource.Platform.Modules;

namespace OPSource.Platform.Tests;

public sealed class ErrorMappingTests
{
    private sealed class QuorumException(string message) : Exception(message);

    private sealed class MappingModule : IOpsourceModule
    {
        public string Name => "mapping";

        public void Register(ModuleRegistration registration) =>
            registration.AddErrorMapping<QuorumException>(ex => new DomainError(ErrorCategory.Refused, "quorum_not_met", ex.Message));
    }

    private static DomainErrorMapper Mapper()
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddOpsourceModules([new MappingModule()], new ConfigurationBuilder().Build(), new PlatformContext(Network.Regtest, "/tmp/x"));
        return services.BuildServiceProvider().GetRequiredService<DomainErrorMapper>();
    }

    [Theory]
    [InlineData(WalletErrorKind.NotFound, ErrorCategory.NotFound, "wallet_not_found")]
    [InlineData(WalletErrorKind.InsufficientFunds, ErrorCategory.Refused, "insufficient_funds")]
    [InlineData(WalletErrorKind.Dust, ErrorCategory.Refused, "dust_output")]
    [InlineData(WalletErrorKind.AlreadyExists, ErrorCategory.Conflict, "wallet_exists")]
    [InlineData(WalletErrorKind.Locked, ErrorCategory.Conflict, "wallet_locked")]
    [InlineData(WalletErrorKind.WrongNetwork, ErrorCategory.InvalidInput, "wrong_network")]
    [InlineData(WalletErrorKind.InvalidRequest, ErrorCategory.InvalidInput, "invalid_request")]
    public void Wallet_errors_map_by_kind(WalletErrorKind kind, ErrorCategory category, string code)
    {
        var error = Mapper().TryMap(new WalletOperationException(kind, "wallet 'a': detail"));
        Assert.NotNull(error);
        Assert.Equal((category, code, "wallet 'a': detail"), (error.Category, error.Code, error.Detail));
    }

    [Fact]
    public void Module_mappings_and_opsource_exceptions_are_known_and_others_are_not()
    {
        var mapper = Mapper();
        Assert.Equal("quorum_not_met", mapper.TryMap(new QuorumException("2 of 3 needed"))!.Code);
        Assert.Equal("x_y", mapper.TryMap(new OpsourceException(ErrorCategory.Conflict, "x_y", "busy"))!.Code);
        Assert.Null(mapper.TryMap(new InvalidOperationException("a bug")));
    }

    [Theory]
    [InlineData("Not-Snake")]
    [InlineData("a.b.c")]
    [InlineData(".kind")]
    [InlineData("area.")]
    public void Codes_must_be_snake_case(string code) =>
        Assert.Throws<ArgumentException>(() => new DomainError(ErrorCategory.Refused, code, "x"));

    [Fact]
    public void The_librarys_typed_input_errors_are_invalid_input_with_their_own_code()
    {
        Assert.False(Bitcoin.Keys.Mnemonic.TryParse("abandon abandon abandon", out _, out var keyError));
        var error = Mapper().TryMap(keyError.ToException());
        Assert.NotNull(error);
        Assert.Equal((ErrorCategory.InvalidInput, "key.word_count", keyError.Message), (error.Category, error.Code, error.Detail));

        Assert.False(Bitcoin.Descriptors.Descriptor.TryParse("wpkh(nonsense)", out _, out var descriptorError));
        Assert.Equal("descriptor.invalid_key", Mapper().TryMap(descriptorError.ToException())!.Code);
        Assert.Equal(descriptorError.Position, Mapper().TryMap(descriptorError.ToException())!.Position);
    }

    [Fact]
    public void A_wallet_error_wrapping_a_parser_error_keeps_its_code_and_position()
    {
        Assert.False(Bitcoin.Descriptors.Descriptor.TryParse("wpkh(nonsense)", out _, out var descriptorError));
        var wrapped = new WalletOperationException(WalletErrorKind.InvalidRequest, "descriptor: " + descriptorError.Message, descriptorError);
        var error = Mapper().TryMap(wrapped)!;
        Assert.Equal((ErrorCategory.InvalidInput, "descriptor.invalid_key", descriptorError.Position), (error.Category, error.Code, error.Position));

        // A wrong network keeps the wallet's code, with the parser's position.
        Assert.False(Bitcoin.Addresses.Address.TryParse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Bitcoin.Network.Regtest, out _, out var addressError));
        var network = Mapper().TryMap(new WalletOperationException(WalletErrorKind.WrongNetwork, "address: mainnet", addressError))!;
        Assert.Equal(("wrong_network", addressError.Position), (network.Code, network.Position));

        // Without a typed cause: the kind's code, no position.
        Assert.Equal(("invalid_request", (int?)null), (Mapper().TryMap(new WalletOperationException("x"))!.Code, Mapper().TryMap(new WalletOperationException("x"))!.Position));
    }

    [Fact]
    public void A_plain_format_exception_is_not_a_user_error()
    {
        // A FormatException from a bug (int.Parse, Convert.FromHexString on internal data) must reach the hosts as a bug.
        Assert.Null(Mapper().TryMap(new FormatException("Input string was not in a correct format.")));
        Assert.Null(Mapper().TryMap(new ArgumentException("bad")));
    }
}
