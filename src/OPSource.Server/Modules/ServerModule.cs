using Microsoft.AspNetCore.Routing;
using OPSource.Platform.Modules;

namespace OPSource.Server.Modules;

/// <summary>
/// A domain module as the HTTP host sees it: the module itself (services, migrations, self-test checks,
/// meters, event topics) and the adapter that maps its endpoints on the <c>/api/v1</c> group.
/// </summary>
/// <param name="Module">The domain module.</param>
/// <param name="MapEndpoints">Maps the module's endpoints (null for a module without HTTP surface).</param>
/// <param name="Json">The adapter's source-generated JSON context (request/response types), added to the host's JSON options.</param>
public sealed record ServerModule(IOpsourceModule Module, Action<IEndpointRouteBuilder>? MapEndpoints = null, System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver? Json = null);

/// <summary>
/// The explicit list of modules the hosts load, in registration order (a module registered later may
/// use services of one registered earlier). Adding a module is one line here; nothing is discovered by
/// reflection, so Native AOT keeps every module.
/// </summary>
public static class OpsourceModules
{
    /// <summary>Every module of the product.</summary>
    public static IReadOnlyList<ServerModule> All { get; } =
    [
        new(new OPSource.Node.NodeModule(), Endpoints.NodeEndpoints.Map),
        new(new OPSource.ML.MlModule(), Endpoints.MlEndpoints.Map, OPSource.ML.Fees.MlJsonContext.Default),
        new(new OPSource.Dlc.DlcModule(), Endpoints.DlcEndpoints.Map),
        new(new OPSource.Web5.Web5Module(), api => OPSource.Server.Endpoints.Web5Endpoints.MapWeb5Endpoints(api)),
        new(new OPSource.Wallet.Module.WalletModule(), Endpoints.WalletEndpoints.Map, Endpoints.WalletJsonContext.Default),
        new(new OPSource.Dao.DaoModule(), Endpoints.DaoEndpoints.Map),
        new(new OPSource.Layers.Stacks.StacksModule(), Endpoints.StacksEndpoints.Map, Endpoints.StacksJsonContext.Default),
        new(new OPSource.Layers.Rsk.RskModule(), Endpoints.RskEndpoints.Map),
        new(new OPSource.Layers.Rgb.RgbModule(), Endpoints.RgbEndpoints.Map),
    ];
}
