export * from './people.repository';
export * from './provenance.repository';
export * from './race-cards.repository';
export * from './race-data';
export * from './results.repository';
