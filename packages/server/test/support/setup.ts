// type-graphql reads decorator metadata through the Reflect API, which must exist before any entity loads.
import 'reflect-metadata';
