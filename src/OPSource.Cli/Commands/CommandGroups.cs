using System.CommandLine;

namespace OPSource.Cli.Commands;

/// <summary>The top-level command groups. Each module adds one line here and one file in this folder.</summary>
internal static class CommandGroups
{
    public static IEnumerable<Command> All(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        yield return AddressCommand.Create(globals, output, error);
        yield return ApiKeyCommand.Create(globals, output, error);
        yield return ConfigCommand.Create(globals, output, error);
        yield return ConfigureCommand.Create(globals, output, error);
        yield return ConsensusCommand.Create(globals, output, error);
        yield return DescriptorCommand.Create(globals, output, error);
        yield return DlcCommand.Create(globals, output, error);
        yield return InfoCommand.Create(globals, output, error);
        yield return InstallCommand.Create(globals, output, error);
        yield return KeyCommand.Create(globals, output, error);
        yield return MessageCommand.Create(globals, output, error);
        yield return MiniscriptCommand.Create(globals, output, error);
        yield return MlCommand.Create(globals, output, error);
        yield return MnemonicCommand.Create(globals, output, error);
        yield return NodeCommand.Create(globals, output, error);
        yield return OracleCommand.Create(globals, output, error);
        yield return PsbtCommand.Create(globals, output, error);
        yield return ScriptCommand.Create(globals, output, error);
        yield return ServeCommand.Create(globals, output, error);
        yield return TestCommand.Create(globals, output, error);
        yield return TxCommand.Create(globals, output, error);
        yield return DidCommand.Create(globals, output, error);
        yield return VcCommand.Create(globals, output, error);
        yield return DwnCommand.Create(globals, output, error);
        yield return WalletCommand.Create(globals, output, error);
        yield return HnsCommand.Create(globals, output, error);
        yield return DaoCommand.Create(globals, output, error);
        yield return StacksCommand.Create(globals, output, error);
        yield return RskCommand.Create(globals, output, error);
        yield return RgbCommand.Create(globals, output, error);
    }
}
