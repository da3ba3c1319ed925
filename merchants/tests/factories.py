import factory

from merchants.models import Merchant, MerchantStatus


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    website = factory.LazyAttribute(lambda m: f"https://{m.name.lower().replace(' ', '-')}.example.com")
    status = MerchantStatus.ACTIVE
    confirmation_days = 30


class InactiveMerchantFactory(MerchantFactory):
    status = MerchantStatus.INACTIVE
